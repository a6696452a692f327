// Helpers for the batch tests: submit, poll until a status, and download results.
import { expect } from "vitest";
import { callApi, postJson } from "../support/api";

const TERMINAL = new Set(["completed", "failed", "cancelled", "expired"]);

/** Submits a batch and expects 201, returning the batch object. */
export async function createBatch(body: unknown, headers: Record<string, string> = {}) {
  const response = await postJson("/api/batches", body, headers);
  expect(response.status, response.text).toBe(201);
  return response.json;
}

export async function getBatch(id: string, headers: Record<string, string> = {}) {
  const response = await callApi("GET", `/api/batches/${id}`, undefined, headers);
  expect(response.status, response.text).toBe(200);
  return response.json;
}

/** Polls the batch until `done(batch)` holds, returning that batch object. */
export async function waitForBatch(
  id: string,
  done: (batch: any) => boolean = (batch) => TERMINAL.has(batch.status),
  timeoutMs = 25_000,
  headers: Record<string, string> = {},
) {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const batch = await getBatch(id, headers);
    if (done(batch)) return batch;
    if (Date.now() > deadline) throw new Error(`batch ${id} did not reach the expected state: ${JSON.stringify(batch)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Downloads every result as JSONL and parses each line. */
export async function downloadJsonl(id: string) {
  const response = await callApi("GET", `/api/batches/${id}/output?format=jsonl`);
  expect(response.status, response.text).toBe(200);
  return {
    headers: response.headers,
    records: response.text
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line)),
  };
}

/** Downloads every result as JSON pages, following the cursor. */
export async function downloadJsonPages(id: string, limit?: number) {
  const records: any[] = [];
  let after: number | null = null;
  let pages = 0;
  do {
    const params = new URLSearchParams({ format: "json" });
    if (limit !== undefined) params.set("limit", String(limit));
    if (after !== null) params.set("after", String(after));
    const response = await callApi("GET", `/api/batches/${id}/output?${params}`);
    expect(response.status, response.text).toBe(200);
    records.push(...response.json.data);
    after = response.json.next_after;
    pages++;
  } while (after !== null);
  return { records, pages };
}

export async function downloadCsv(id: string, query = "") {
  const response = await callApi("GET", `/api/batches/${id}/output?format=csv${query}`);
  expect(response.status, response.text).toBe(200);
  return response;
}

/** Uploads a file through POST /api/files and returns the file object. */
export async function uploadFile(filename: string, content: string, contentType = "text/plain") {
  const response = await callApi("POST", `/api/files?filename=${encodeURIComponent(filename)}`, content, { "content-type": contentType });
  expect(response.status, response.text).toBe(201);
  return response.json;
}

const MULTIBYTE_PARAGRAPH = "Die Lieferung kam beschädigt an; Kundin Zoë bittet um Ersatz. 配送が遅れています。 ";

/** Builds multi-byte text of at least `bytes` UTF-8 bytes, so its byte size differs from its length. */
export function multibyteText(bytes: number): string {
  const paragraphBytes = new TextEncoder().encode(MULTIBYTE_PARAGRAPH).byteLength;
  return MULTIBYTE_PARAGRAPH.repeat(Math.ceil(bytes / paragraphBytes));
}
