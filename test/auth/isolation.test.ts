import { describe, expect, it } from "vitest";
import { waitForBatch } from "../batches/helpers";
import { callApi, createTenantKey, postJson } from "../support/api";
import { uniqueTag } from "../support/fake-llm";

async function tenantKey(name: string): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await createTenantKey(name)}` };
}

async function setUpOwner() {
  const owner = await tenantKey("owner");
  const other = await tenantKey("other");
  const tag = uniqueTag("isolation");

  const upload = await callApi("POST", "/api/files?filename=notes.txt", `${tag} first\n${tag} second\n`, {
    ...owner,
    "content-type": "text/plain",
  });
  expect(upload.status, upload.text).toBe(201);

  const batch = await postJson("/api/batches", { operation: "summarize", file_id: upload.json.id }, owner);
  expect(batch.status, batch.text).toBe(201);
  return { owner, other, fileId: upload.json.id as string, batchId: batch.json.id as string };
}

describe("tenant isolation", () => {
  it("answers 404 for another tenant's file and batch on every route", async () => {
    const { owner, other, fileId, batchId } = await setUpOwner();
    const unknownFile = await callApi("GET", "/api/files/file_00000000000000000000000000000000", undefined, other);
    expect(unknownFile.status).toBe(404);

    const attempts: Array<[string, string, unknown?]> = [
      ["GET", `/api/files/${fileId}`],
      ["DELETE", `/api/files/${fileId}`],
      ["GET", `/api/batches/${batchId}`],
      ["GET", `/api/batches/${batchId}/output?format=json`],
      ["GET", `/api/batches/${batchId}/output?format=jsonl`],
      ["GET", `/api/batches/${batchId}/output?format=csv`],
      ["POST", `/api/batches/${batchId}/cancel`],
    ];
    for (const [method, path] of attempts) {
      const response = await callApi(method, path, undefined, other);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.json.error.code, `${method} ${path}`).toBe(unknownFile.json.error.code);
    }

    const reuse = await postJson("/api/batches", { operation: "summarize", file_id: fileId }, other);
    expect(reuse.status).toBe(404);

    // The owner still sees everything, untouched by the other tenant's attempts.
    expect((await callApi("GET", `/api/files/${fileId}`, undefined, owner)).status).toBe(200);
    const done = await waitForBatch(batchId, undefined, 25_000, owner);
    expect(done.request_counts.completed).toBe(2);
  });

  it("lists only the caller's files and batches", async () => {
    const { other, fileId, batchId } = await setUpOwner();
    const files = await callApi("GET", "/api/files?limit=100", undefined, other);
    expect(files.status).toBe(200);
    expect(files.json.data.map((file: { id: string }) => file.id)).not.toContain(fileId);
    const batches = await callApi("GET", "/api/batches?limit=100", undefined, other);
    expect(batches.status).toBe(200);
    expect(batches.json.data.map((batch: { id: string }) => batch.id)).not.toContain(batchId);
  });
});
