// Typed output fields shared by extract and enrich: their JSON Schema, their prompt
// lines, and the check of a model's object against them.
import { z } from "zod";
import { MAX_FIELDS } from "../config/limits";
import { invalidRequest } from "../errors";
import type { JsonSchema, OutputFormat } from "../llm/types";
import { CategoryIndex } from "./labels";
import { isStrictCompatible, parseJsonText, validateJson } from "./json-schema";
import type { ParseOutcome } from "./types";

export type FieldType = "string" | "number" | "integer" | "boolean" | "enum" | "list" | "object";

export interface FieldSpec {
  name: string;
  type: FieldType;
  description?: string;
  required: boolean;
  /** Allowed values for enum, list and string fields, in canonical spelling. */
  valid_values?: string[];
  examples?: unknown[];
}

export const FIELD_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_ -]{0,63}$/;

/** An output field name: a key of the JSON object the model returns. */
export const FieldNameSchema = z
  .string()
  .regex(FIELD_NAME_PATTERN, "must start with a letter or _ and use only letters, digits, _, - or spaces (64 characters at most)");

/** Builds the schema of a list of output fields, also accepting the shorthand `{ "name": "type" }`. */
export function fieldListSchema<T extends z.ZodType>(field: T) {
  return z.preprocess(
    (value) =>
      value !== null && typeof value === "object" && !Array.isArray(value)
        ? Object.entries(value).map(([name, type]) => ({ name, type }))
        : value,
    z.array(field).min(1, "list at least one field").max(MAX_FIELDS),
  );
}

/** Rejects duplicate field names and enum fields without values. */
export function checkFields(fields: FieldSpec[], param = "fields"): void {
  const seen = new Set<string>();
  for (const field of fields) {
    if (seen.has(field.name)) throw invalidRequest("duplicate_field", `Field "${field.name}" is listed twice; field names must be unique.`, param);
    seen.add(field.name);
    if (field.type === "enum" && (field.valid_values ?? []).length === 0) {
      throw invalidRequest("missing_valid_values", `Field "${field.name}" has type enum but no valid_values; list the allowed values.`, param);
    }
  }
}

function valueSchema(field: FieldSpec): JsonSchema {
  const values = field.valid_values && field.valid_values.length > 0 ? field.valid_values : undefined;
  switch (field.type) {
    case "enum":
      return { type: "string", enum: values };
    case "list":
      return { type: "array", items: values ? { type: "string", enum: values } : { type: "string" } };
    case "string":
      return values ? { type: "string", enum: values } : { type: "string" };
    case "object":
      return { type: "object" };
    default:
      return { type: field.type };
  }
}

/** Builds the strict JSON Schema: every field present, null allowed unless required. */
export function fieldsSchema(fields: FieldSpec[]): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const field of fields) {
    const schema = valueSchema(field);
    properties[field.name] = field.required ? schema : { anyOf: [schema, { type: "null" }] };
  }
  return { type: "object", properties, required: fields.map((field) => field.name), additionalProperties: false };
}

/** Builds the structured output for a field list: strict unless a free-form object field rules it out. */
export function fieldsFormat(name: string, fields: FieldSpec[]): OutputFormat {
  const schema = fieldsSchema(fields);
  return { type: "json", name, schema, strict: isStrictCompatible(schema) };
}

/** One prompt line per field: name, type, whether it may be null, values, examples. */
export function describeFields(fields: FieldSpec[]): string {
  return fields
    .map((field) => {
      const parts = [`- ${field.name} (${field.type === "list" ? "list of strings" : field.type}${field.required ? ", required" : ", null if unknown"})`];
      if (field.description) parts.push(`: ${field.description}`);
      if (field.valid_values?.length) parts.push(`. Allowed values: ${field.valid_values.join(", ")}`);
      if (field.examples?.length) parts.push(`. Examples: ${field.examples.map((example) => JSON.stringify(example)).join(", ")}`);
      return parts.join("");
    })
    .join("\n");
}

/** Maps a value to the canonical spelling of an allowed value, or reports it. */
function canonicalValue(field: FieldSpec, value: unknown): { ok: true; value: unknown } | { ok: false; message: string } {
  if (!field.valid_values?.length || value === null) return { ok: true, value };
  const index = new CategoryIndex(field.valid_values);
  const one = (candidate: unknown) => (typeof candidate === "string" ? index.match(candidate) : undefined);

  if (Array.isArray(value)) {
    const matched: string[] = [];
    for (const element of value) {
      const match = one(element);
      if (match === undefined) return { ok: false, message: `field "${field.name}": ${JSON.stringify(element)} is not one of ${field.valid_values.join(", ")}` };
      if (!matched.includes(match)) matched.push(match);
    }
    return { ok: true, value: matched };
  }
  const match = one(value);
  if (match === undefined) return { ok: false, message: `field "${field.name}": ${JSON.stringify(value)} is not one of ${field.valid_values.join(", ")}` };
  return { ok: true, value: match };
}

/**
 * Checks a model's JSON against the fields: allowed values are matched to their
 * canonical spelling, absent fields become null, and undeclared keys are dropped.
 */
export function parseFieldsOutput(fields: FieldSpec[], content: string): ParseOutcome {
  const parsed = parseJsonText(content);
  if (!parsed.ok) return { ok: false, code: "not_json", message: parsed.message };
  const value = parsed.value;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, code: "schema_mismatch", message: "expected a JSON object with the requested fields" };
  }

  const record = value as Record<string, unknown>;
  const output: Record<string, unknown> = {};
  const warnings: string[] = [];
  for (const key of Object.keys(record)) {
    if (!fields.some((field) => field.name === key)) warnings.push(`dropped undeclared field "${key}"`);
  }

  for (const field of fields) {
    const raw = Object.hasOwn(record, field.name) ? record[field.name] : null;
    if (raw === null && field.required) {
      return { ok: false, code: "schema_mismatch", message: `required field "${field.name}" is missing or null` };
    }
    const canonical = canonicalValue(field, raw);
    if (!canonical.ok) return { ok: false, code: "schema_mismatch", message: canonical.message };
    const schema = valueSchema({ ...field, valid_values: undefined });
    const error = canonical.value === null ? null : validateJson(canonical.value, schema, field.name);
    if (error) return { ok: false, code: "schema_mismatch", message: error };
    output[field.name] = canonical.value;
  }
  return { ok: true, output, warnings };
}
