// Helpers for the sync endpoint tests: calls parsed with the response schemas, and
// tagged item texts that scripts on the shared fake model can match one by one.
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { type CompletionResponse, CompletionResponseSchema, type ErrorBodyJson, ErrorBodySchema } from "../../src/api/schemas";
import type { ItemResult } from "../../src/operations/types";
import { postJson } from "../support/api";

/** The text that identifies one item in prompts: `[tag:id]`. */
export function itemKey(tag: string, id: string): string {
  return `[${tag}:${id}]`;
}

/** An item text that starts with its key, so a fake script can match this item alone. */
export function taggedText(tag: string, id: string, text: string): string {
  return `${itemKey(tag, id)} ${text}`;
}

/** Posts to a sync endpoint, expects 200 and parses the body with CompletionResponseSchema. */
export async function complete(operation: string, body: unknown): Promise<CompletionResponse> {
  const response = await postJson(`/api/completions/${operation}`, body);
  expect(response.status, response.text).toBe(200);
  return CompletionResponseSchema.parse(response.json);
}

/** Posts to a sync endpoint, expects `status` and parses the error body with ErrorBodySchema. */
export async function completeError(operation: string, body: unknown, status = 400): Promise<ErrorBodyJson> {
  const response = await postJson(`/api/completions/${operation}`, body);
  expect(response.status, response.text).toBe(status);
  return ErrorBodySchema.parse(response.json);
}

/** Returns the result with this id, failing the test when there is none. */
export function resultFor(response: CompletionResponse, id: string): ItemResult {
  const result = response.results.find((candidate) => candidate.id === id);
  if (!result) throw new Error(`no result for item ${id}`);
  return result;
}

/**
 * Makes the fake model reject response formats richer than `structured` for calls
 * whose prompt contains `match`, as a provider without json_schema support does.
 */
export async function limitFakeFormat(match: string, structured: "json_object" | "text"): Promise<void> {
  const base = env.LLM_BASE_URL!.replace(/\/v1$/, "");
  const response = await fetch(`${base}/__fake/script`, { method: "POST", body: JSON.stringify({ match, steps: [], structured }) });
  if (!response.ok) throw new Error(`fake model script failed with status ${response.status}`);
  await response.text();
}
