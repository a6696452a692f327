// JSON.parse that keeps integer literals beyond 2^53 as their exact digit strings.

/** Any integer beyond 2^53 has at least 16 digits; text without such a run parses without a reviver. */
const LONG_DIGIT_RUN = /\d{16}/;
const INTEGER_LITERAL = /^-?\d+$/;

type SourceContext = { source?: string };

function keepUnsafeIntegers(_key: string, value: unknown, context?: SourceContext): unknown {
  if (typeof value !== "number" || Number.isSafeInteger(value)) return value;
  const source = context?.source;
  return source !== undefined && INTEGER_LITERAL.test(source) ? source : value;
}

/**
 * Parses JSON text. An integer literal that is not a safe integer (beyond 2^53 in size)
 * comes back as a string of its exact digits, for example "12345678901234567890", so ids
 * survive. Fractions and exponents stay numbers. Relies on the reviver's `context.source`
 * (JSON.parse source text access), which workerd's V8 provides.
 */
export function parseJson(text: string): unknown {
  if (!LONG_DIGIT_RUN.test(text)) return JSON.parse(text);
  return JSON.parse(text, keepUnsafeIntegers as (key: string, value: unknown) => unknown);
}

/** Names the JSON type of a value for messages: object, array, string, number, boolean or null. */
export function jsonKind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
