// A validator for the JSON Schema keywords this service sends as structured output:
// type, enum, properties, required, additionalProperties, items, minItems, maxItems, anyOf.
import type { JsonSchema } from "../llm/types";

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function matchesType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  if (type === "number") return actual === "number" || actual === "integer";
  return actual === type;
}

/** Returns the first violation as "path: problem", or null when the value is valid. */
export function validateJson(value: unknown, schema: JsonSchema, path = "$"): string | null {
  if (Array.isArray(schema.anyOf)) {
    const branches = schema.anyOf as JsonSchema[];
    const errors = branches.map((branch) => validateJson(value, branch, path));
    if (errors.some((error) => error === null)) return null;
    return errors[0];
  }

  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((type) => matchesType(value, type))) {
      return `${path}: expected ${types.join(" or ")}, got ${typeOf(value)}`;
    }
  }

  if (Array.isArray(schema.enum) && !schema.enum.some((option) => JSON.stringify(option) === JSON.stringify(value))) {
    return `${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`;
  }

  if (typeOf(value) === "object") {
    const record = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    for (const name of (schema.required ?? []) as string[]) {
      if (!Object.hasOwn(record, name)) return `${path}: missing required property "${name}"`;
    }
    for (const [name, child] of Object.entries(record)) {
      if (Object.hasOwn(properties, name)) {
        const error = validateJson(child, properties[name], `${path}.${name}`);
        if (error) return error;
      } else if (schema.additionalProperties === false) {
        return `${path}: unexpected property "${name}"`;
      }
    }
  }

  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems) {
      return `${path}: expected at least ${schema.minItems} items, got ${value.length}`;
    }
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems) {
      return `${path}: expected at most ${schema.maxItems} items, got ${value.length}`;
    }
    if (schema.items && typeof schema.items === "object") {
      for (let i = 0; i < value.length; i++) {
        const error = validateJson(value[i], schema.items as JsonSchema, `${path}[${i}]`);
        if (error) return error;
      }
    }
  }
  return null;
}

/** Parses model text as JSON, accepting one surrounding markdown code fence. */
export function parseJsonText(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  const trimmed = text.trim();
  const fenced = /^```[a-zA-Z]*\s*\n([\s\S]*?)\n?```$/.exec(trimmed);
  const body = fenced ? fenced[1] : trimmed;
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch (error) {
    return { ok: false, message: `output is not valid JSON (${(error as Error).message})` };
  }
}
