// Reading JSON request bodies: content-type and size checks, then parsing.
import type { Context } from "hono";
import { MAX_JSON_BODY_BYTES } from "../config/limits";
import { ApiError, invalidRequest, payloadTooLarge } from "../errors";

/** Reads a JSON request body within MAX_JSON_BODY_BYTES. */
export async function readJsonBody(c: Context): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new ApiError(
      415,
      "invalid_request_error",
      "unsupported_media_type",
      `Expected Content-Type application/json, got ${type === "" ? "none" : `"${type}"`}.`,
    );
  }
  const declared = Number(c.req.header("content-length"));
  if (Number.isFinite(declared) && declared > MAX_JSON_BODY_BYTES) {
    throw payloadTooLarge(`Request body is ${declared} bytes; the limit is ${MAX_JSON_BODY_BYTES} bytes. Upload large inputs with POST /api/files.`);
  }
  const text = await c.req.text();
  if (text.length > MAX_JSON_BODY_BYTES) {
    throw payloadTooLarge(`Request body is over ${MAX_JSON_BODY_BYTES} bytes. Upload large inputs with POST /api/files.`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalidRequest("invalid_json", `Request body is not valid JSON: ${(error as Error).message}.`);
  }
}

export function asObject(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw invalidRequest("invalid_request", "Request body must be a JSON object.");
  }
  return value as Record<string, unknown>;
}
