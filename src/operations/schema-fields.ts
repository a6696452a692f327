// Reads extract's `schema` alternative: a flat JSON Schema object turned into the
// same field list that `fields` gives, so both forms share one prompt and one check.
import type { JsonSchema } from "../llm/types";
import { FIELD_NAME_PATTERN, type FieldSpec, type FieldType } from "./fields";

export type SchemaFieldsResult = { ok: true; fields: FieldSpec[] } | { ok: false; path: string[]; message: string };

const SCALAR_TYPES = new Set(["string", "number", "integer", "boolean", "object"]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Splits `type: ["string", "null"]` into the one non-null type and whether null is allowed. */
function baseType(schema: Record<string, unknown>): { type: unknown; nullable: boolean } {
  if (!Array.isArray(schema.type)) return { type: schema.type, nullable: false };
  const types = schema.type.filter((type) => type !== "null");
  return { type: types.length === 1 ? types[0] : undefined, nullable: types.length < schema.type.length };
}

function stringEnum(schema: Record<string, unknown>): string[] | undefined | null {
  if (schema.enum === undefined) return undefined;
  if (!Array.isArray(schema.enum) || schema.enum.length === 0) return null;
  const values = schema.enum.filter((value) => value !== null);
  return values.every((value) => typeof value === "string") ? (values as string[]) : null;
}

/** Maps one property schema to a field type, or returns null when no field type fits. */
function fieldOf(name: string, property: Record<string, unknown>, required: boolean): FieldSpec | null {
  const { type, nullable } = baseType(property);
  const description = typeof property.description === "string" ? property.description : undefined;
  const spec = { name, description, required: required && !nullable };

  if (type === "array") {
    const items = isRecord(property.items) ? property.items : {};
    const values = stringEnum(items);
    if (baseType(items).type !== "string" || values === null) return null;
    return { ...spec, type: "list", valid_values: values };
  }
  if (typeof type !== "string" || !SCALAR_TYPES.has(type)) return null;
  const values = stringEnum(property);
  if (values === null || (values !== undefined && type !== "string")) return null;
  return { ...spec, type: (values ? "enum" : type) as FieldType, valid_values: values };
}

/**
 * Turns `{type: "object", properties, required}` into fields. A property listed in
 * `required` becomes a required field (never null unless its type allows null);
 * the others may be null. Nested objects are kept whole as `object` fields.
 */
export function fieldsFromSchema(schema: JsonSchema): SchemaFieldsResult {
  if (schema.type !== "object" || !isRecord(schema.properties) || Object.keys(schema.properties).length === 0) {
    return { ok: false, path: ["schema"], message: 'must be {"type": "object", "properties": {...}} with at least one property' };
  }
  const required = Array.isArray(schema.required) ? schema.required : [];

  const fields: FieldSpec[] = [];
  for (const [name, property] of Object.entries(schema.properties)) {
    const path = ["schema", "properties", name];
    if (!FIELD_NAME_PATTERN.test(name)) {
      return { ok: false, path, message: "the name must start with a letter or _ and use only letters, digits, _, - or spaces" };
    }
    const field = isRecord(property) ? fieldOf(name, property, required.includes(name)) : null;
    if (field === null) {
      return {
        ok: false,
        path,
        message: "use type string (optionally with a string enum), number, integer, boolean, object, or array of strings; for other shapes use the run operation with a json_schema response_format",
      };
    }
    fields.push(field);
  }
  return { ok: true, fields };
}
