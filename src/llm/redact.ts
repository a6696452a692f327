// Removes the model API key from text and values that may reach a log or a response.

/** Keys shorter than this are placeholders such as "no-key", not secrets. */
const MIN_SECRET_CHARS = 8;

export const REDACTED = "[redacted]";

/** Replaces every occurrence of the secret in a text. */
export function redactText(text: string, secret: string): string {
  return secret.length >= MIN_SECRET_CHARS ? text.split(secret).join(REDACTED) : text;
}

/**
 * Returns a copy of a JSON value with the secret replaced in every string. The copy
 * goes through JSON text; where the secret would need JSON escaping, its escaped
 * form is replaced as well.
 */
export function redactValue<T>(value: T, secret: string): T {
  if (secret.length < MIN_SECRET_CHARS || value === undefined) return value;
  const text = JSON.stringify(value);
  const escaped = JSON.stringify(secret).slice(1, -1);
  const cleaned = redactText(redactText(text, secret), escaped);
  return cleaned === text ? value : (JSON.parse(cleaned) as T);
}
