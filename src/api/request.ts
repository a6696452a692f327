// Reading JSON request bodies: content-type and size checks, UTF-8 decoding, then parsing.
import type { Context } from "hono";
import { MAX_JSON_BODY_BYTES } from "../config/limits";
import { ApiError, invalidRequest, payloadTooLarge } from "../errors";

const TOO_LARGE_HINT = "Upload large inputs with POST /api/files and submit them as a batch.";

function unsupportedMediaType(type: string): ApiError {
  return new ApiError(
    415,
    "invalid_request_error",
    "unsupported_media_type",
    `Expected Content-Type application/json, got ${type === "" ? "none" : `"${type}"`}. Send the body as JSON with that header.`,
  );
}

/** Reads the body as bytes, stopping as soon as it passes `limit`. */
async function readBytes(body: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array> {
  if (body === null) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = body.getReader();
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw payloadTooLarge(`Request body is over ${limit} bytes. ${TOO_LARGE_HINT}`, { limit_bytes: limit });
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Reads a JSON request body of at most MAX_JSON_BODY_BYTES bytes of UTF-8. */
export async function readJsonBody(c: Context): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(type)) throw unsupportedMediaType(type);

  const declared = Number(c.req.header("content-length"));
  if (Number.isFinite(declared) && declared > MAX_JSON_BODY_BYTES) {
    throw payloadTooLarge(`Request body is ${declared} bytes; the limit is ${MAX_JSON_BODY_BYTES} bytes. ${TOO_LARGE_HINT}`, {
      limit_bytes: MAX_JSON_BODY_BYTES,
    });
  }
  const bytes = await readBytes(c.req.raw.body, MAX_JSON_BODY_BYTES);

  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw invalidRequest("invalid_encoding", "Request body is not valid UTF-8. Encode the JSON body as UTF-8.");
  }
  if (text.trim() === "") throw invalidRequest("invalid_json", "Request body is empty. Send a JSON object.");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalidRequest("invalid_json", `Request body is not valid JSON: ${(error as Error).message}. Check quotes, commas and brackets.`);
  }
}

/** Narrows a parsed body to a JSON object, or throws a 400. */
export function asObject(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw invalidRequest("invalid_request", `Request body must be a JSON object, got ${Array.isArray(value) ? "an array" : value === null ? "null" : typeof value}.`);
  }
  return value as Record<string, unknown>;
}
