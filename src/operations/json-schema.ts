// A validator for the JSON Schema keywords that structured output uses: type, enum,
// const, properties, required, additionalProperties, items, minItems, maxItems,
// minimum, maximum, exclusiveMinimum, exclusiveMaximum, minLength, maxLength, anyOf,
// allOf and local $ref into $defs or definitions.
// NOTE: other keywords (pattern, format, uniqueItems, ...) are not checked here; with
// strict json_schema output the provider enforces the ones it supports.
import type { JsonSchema } from "../llm/types";
import type { ParseOutcome } from "./types";

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

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Resolves a local reference such as `#/$defs/address`; returns undefined when it points nowhere. */
function resolveRef(ref: string, root: JsonSchema): JsonSchema | undefined {
  if (!ref.startsWith("#")) return undefined;
  let target: unknown = root;
  for (const raw of ref.slice(1).split("/").filter((part) => part !== "")) {
    const part = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (!isRecord(target) || !Object.hasOwn(target, part)) return undefined;
    target = target[part];
  }
  return isRecord(target) ? target : undefined;
}

function checkNumber(value: number, schema: JsonSchema, path: string): string | null {
  if (typeof schema.minimum === "number" && value < schema.minimum) return `${path}: ${value} is below the minimum ${schema.minimum}`;
  if (typeof schema.maximum === "number" && value > schema.maximum) return `${path}: ${value} is above the maximum ${schema.maximum}`;
  if (typeof schema.exclusiveMinimum === "number" && value <= schema.exclusiveMinimum) {
    return `${path}: ${value} must be greater than ${schema.exclusiveMinimum}`;
  }
  if (typeof schema.exclusiveMaximum === "number" && value >= schema.exclusiveMaximum) {
    return `${path}: ${value} must be less than ${schema.exclusiveMaximum}`;
  }
  return null;
}

function checkString(value: string, schema: JsonSchema, path: string): string | null {
  const length = [...value].length;
  if (typeof schema.minLength === "number" && length < schema.minLength) return `${path}: shorter than ${schema.minLength} characters`;
  if (typeof schema.maxLength === "number" && length > schema.maxLength) return `${path}: longer than ${schema.maxLength} characters`;
  return null;
}

function checkObject(record: Record<string, unknown>, schema: JsonSchema, path: string, root: JsonSchema): string | null {
  const properties = (isRecord(schema.properties) ? schema.properties : {}) as Record<string, JsonSchema>;
  for (const name of Array.isArray(schema.required) ? (schema.required as string[]) : []) {
    if (!Object.hasOwn(record, name)) return `${path}: missing required property "${name}"`;
  }
  for (const [name, child] of Object.entries(record)) {
    if (Object.hasOwn(properties, name)) {
      const error = validateNode(child, properties[name], `${path}.${name}`, root);
      if (error) return error;
    } else if (schema.additionalProperties === false) {
      return `${path}: unexpected property "${name}"`;
    } else if (isRecord(schema.additionalProperties)) {
      const error = validateNode(child, schema.additionalProperties, `${path}.${name}`, root);
      if (error) return error;
    }
  }
  return null;
}

function checkArray(value: unknown[], schema: JsonSchema, path: string, root: JsonSchema): string | null {
  if (typeof schema.minItems === "number" && value.length < schema.minItems) {
    return `${path}: expected at least ${schema.minItems} items, got ${value.length}`;
  }
  if (typeof schema.maxItems === "number" && value.length > schema.maxItems) {
    return `${path}: expected at most ${schema.maxItems} items, got ${value.length}`;
  }
  if (isRecord(schema.items)) {
    for (let i = 0; i < value.length; i++) {
      const error = validateNode(value[i], schema.items, `${path}[${i}]`, root);
      if (error) return error;
    }
  }
  return null;
}

function validateNode(value: unknown, schema: JsonSchema, path: string, root: JsonSchema): string | null {
  if (typeof schema.$ref === "string") {
    const target = resolveRef(schema.$ref, root);
    if (!target) return `${path}: the schema reference ${schema.$ref} points nowhere`;
    return validateNode(value, target, path, root);
  }
  if (Array.isArray(schema.anyOf)) {
    const errors = (schema.anyOf as JsonSchema[]).map((branch) => validateNode(value, branch, path, root));
    if (!errors.includes(null)) return errors[0];
  }
  if (Array.isArray(schema.allOf)) {
    for (const branch of schema.allOf as JsonSchema[]) {
      const error = validateNode(value, branch, path, root);
      if (error) return error;
    }
  }

  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((type) => matchesType(value, type))) return `${path}: expected ${types.join(" or ")}, got ${typeOf(value)}`;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((option) => JSON.stringify(option) === JSON.stringify(value))) {
    return `${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`;
  }
  if (Object.hasOwn(schema, "const") && JSON.stringify(schema.const) !== JSON.stringify(value)) {
    return `${path}: expected ${JSON.stringify(schema.const)}, got ${JSON.stringify(value)}`;
  }

  if (typeof value === "number") return checkNumber(value, schema, path);
  if (typeof value === "string") return checkString(value, schema, path);
  if (Array.isArray(value)) return checkArray(value, schema, path, root);
  if (isRecord(value)) return checkObject(value, schema, path, root);
  return null;
}

/** Returns the first violation as "path: problem", or null when the value is valid. */
export function validateJson(value: unknown, schema: JsonSchema, path = "$"): string | null {
  return validateNode(value, schema, path, schema);
}

/**
 * Tells whether a schema meets the rules of strict structured output: every object
 * lists its properties, requires all of them and sets additionalProperties to false.
 */
export function isStrictCompatible(schema: unknown): boolean {
  if (Array.isArray(schema)) return schema.every(isStrictCompatible);
  if (!isRecord(schema)) return true;

  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes("object")) {
    if (!isRecord(schema.properties) || schema.additionalProperties !== false) return false;
    const required = Array.isArray(schema.required) ? schema.required : [];
    if (!Object.keys(schema.properties).every((name) => required.includes(name))) return false;
  }
  return Object.entries(schema).every(([key, child]) => key === "enum" || key === "const" || isStrictCompatible(child));
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

/** Parses a JSON object answer, checked against a schema when one is given. */
export function parseJsonOutput(content: string, schema?: JsonSchema): ParseOutcome {
  const parsed = parseJsonText(content);
  if (!parsed.ok) return { ok: false, code: "not_json", message: parsed.message };
  if (schema) {
    const error = validateJson(parsed.value, schema);
    return error ? { ok: false, code: "schema_mismatch", message: error } : { ok: true, output: parsed.value };
  }
  if (!isRecord(parsed.value)) return { ok: false, code: "schema_mismatch", message: `expected a JSON object, got ${typeOf(parsed.value)}` };
  return { ok: true, output: parsed.value };
}
