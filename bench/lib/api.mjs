// The service's API as the benchmarks use it: uploads with Content-Length, batch
// submission and polling until a batch ends.
import { createReadStream, statSync } from "node:fs";
import http from "node:http";
import { z } from "zod";
import { readJson } from "./service.mjs";

export const FileObjectSchema = z.object({ id: z.string(), bytes: z.number(), item_count: z.number(), columns: z.array(z.string()) });

export const BatchObjectSchema = z.object({
  id: z.string(),
  status: z.string(),
  request_counts: z.object({ total: z.number(), completed: z.number(), failed: z.number(), cancelled: z.number(), expired: z.number() }),
  created_at: z.string(),
  completed_at: z.string().nullable(),
});

const TERMINAL_STATUSES = new Set(["completed", "failed", "cancelled", "expired"]);

/** Milliseconds between two polls of a running batch. */
const BATCH_POLL_INTERVAL_MS = 500;

/**
 * Streams a file to POST /api/files with its Content-Length, as `curl --data-binary` does,
 * straight to the Worker's runtime unless `baseUrl` names another address. Resolves with the file
 * object and the seconds from the first byte sent to the response.
 */
export function uploadFile(service, filePath, { filename, contentType = "text/csv", baseUrl = service.directUrl }) {
  const url = new URL(`/api/files?filename=${encodeURIComponent(filename)}`, baseUrl);
  const bytes = statSync(filePath).size;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const request = http.request(
      url,
      { method: "POST", headers: { authorization: `Bearer ${service.adminKey}`, "content-type": contentType, "content-length": bytes } },
      (response) => {
        const chunks = [];
        response.on("data", (chunk) => chunks.push(chunk));
        response.on("end", () => {
          const seconds = (performance.now() - started) / 1000;
          const text = Buffer.concat(chunks).toString("utf8");
          if (response.statusCode !== 201) return reject(new Error(`upload of ${filename} failed with HTTP ${response.statusCode}: ${text.slice(0, 500)}`));
          resolve({ file: FileObjectSchema.parse(JSON.parse(text)), seconds });
        });
      },
    );
    request.on("error", reject);
    createReadStream(filePath).pipe(request);
  });
}

/** Creates a batch; `request` is the POST /api/batches body. */
export async function submitBatch(service, request) {
  const response = await service.request("/api/batches", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(request),
  });
  return readJson(response, BatchObjectSchema, "POST /api/batches");
}

/** Polls a batch until it reaches a final status, failing after `timeoutMs`. */
export async function waitForBatch(service, batchId, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const batch = await readJson(await service.request(`/api/batches/${batchId}`), BatchObjectSchema, `GET /api/batches/${batchId}`);
    if (TERMINAL_STATUSES.has(batch.status)) return batch;
    await new Promise((resolve) => setTimeout(resolve, BATCH_POLL_INTERVAL_MS));
  }
  throw new Error(`batch ${batchId} did not finish within ${timeoutMs / 1000} s`);
}
