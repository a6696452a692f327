import { describe, expect, it } from "vitest";
import duplicateIds from "../fixtures/batches/duplicate-ids.json";
import { callApi, postJson } from "../support/api";
import { uniqueTag } from "../support/fake-llm";
import { createBatch, waitForBatch } from "./helpers";

async function batchCount(): Promise<number> {
  const response = await callApi("GET", "/api/batches?limit=100");
  return response.json.data.length;
}

async function expectError(response: { status: number; json: any; text: string }, status: number, code: string, param?: string) {
  expect(response.status, response.text).toBe(status);
  expect(response.json.error.code).toBe(code);
  if (param !== undefined) expect(response.json.error.param).toBe(param);
  return response.json.error;
}

describe("POST /api/batches rejects", () => {
  it("duplicate and empty ids, creating nothing", async () => {
    const before = await batchCount();
    const error = await expectError(await postJson("/api/batches", { operation: "label", categories: ["a", "b"], items: duplicateIds }), 400, "invalid_items", "items");
    expect(error.message).toContain('id "a-2" is used by items at indexes 1, 3');
    expect(error.message).toContain("items[4].id is empty");
    expect(await batchCount()).toBe(before);
  });

  it("missing operation", async () => {
    const error = await expectError(await postJson("/api/batches", { items: [{ text: "x" }] }), 400, "invalid_request", "operation");
    expect(error.message).toContain("operation");
  });

  it("unknown operation", async () => {
    const error = await expectError(await postJson("/api/batches", { operation: "translate", items: [{ text: "x" }] }), 400, "invalid_request", "operation");
    expect(error.message).toContain("label");
  });

  it("neither items nor file_id", async () => {
    const error = await expectError(await postJson("/api/batches", { operation: "run" }), 400, "missing_input", "items");
    expect(error.message).toContain("file_id");
  });

  it("both items and file_id", async () => {
    await expectError(await postJson("/api/batches", { operation: "run", file_id: "file_x", items: [{ text: "x" }] }), 400, "conflicting_input", "file_id");
  });

  it("unknown operation parameter", async () => {
    const error = await expectError(
      await postJson("/api/batches", { operation: "label", categorys: ["a"], categories: ["a"], items: [{ text: "x" }] }),
      400,
      "invalid_request",
    );
    expect(error.message).toContain('"categorys"');
  });

  it("unfilled placeholder", async () => {
    const error = await expectError(
      await postJson("/api/batches", { operation: "run", user_prompt_template: "Say {greeting}", items: [{ text: "x" }] }),
      400,
      "missing_placeholder",
      "user_prompt_template",
    );
    expect(error.message).toContain("{greeting}");
  });

  it("unknown file_id", async () => {
    const error = await expectError(await postJson("/api/batches", { operation: "run", file_id: "file_missing" }), 404, "file_not_found", "file_id");
    expect(error.message).toContain("file_missing");
  });

  it("column mapping without a file", async () => {
    await expectError(await postJson("/api/batches", { operation: "run", id_column: "sku", items: [{ text: "x" }] }), 400, "invalid_parameter", "id_column");
  });

  it("invalid completion windows", async () => {
    for (const window of ["2x", "0h", "30s", "8d", "24 h", ""]) {
      const error = await expectError(
        await postJson("/api/batches", { operation: "run", completion_window: window, items: [{ text: "x" }] }),
        400,
        "invalid_completion_window",
        "completion_window",
      );
      expect(error.message).toContain(`"${window}"`);
    }
  });

  it("too many inline items", async () => {
    const items = Array.from({ length: 100_001 }, () => ({ text: "x" }));
    const error = await expectError(await postJson("/api/batches", { operation: "run", items }), 400, "too_many_items", "items");
    expect(error.message).toContain("100001");
    expect(error.message).toContain("/api/files");
  });

  it("text over the item limit", async () => {
    const error = await expectError(
      await postJson("/api/batches", { operation: "run", items: [{ text: "short" }, { id: "h2", text: "ü".repeat(200_001) }] }),
      400,
      "invalid_request",
      "items[1].text",
    );
    expect(error.message).toContain("200000");
  });

  it("body that is not JSON", async () => {
    await expectError(await postJson("/api/batches", "{not json"), 400, "invalid_json");
  });
});

describe("Idempotency-Key", () => {
  it("same key and body replays the batch", async () => {
    const tag = uniqueTag("idem");
    const body = { operation: "run", items: [{ text: `${tag} once` }] };
    const key = `key-${tag}`;
    const first = await postJson("/api/batches", body, { "idempotency-key": key });
    expect(first.status).toBe(201);
    const reordered = { items: body.items, operation: "run" };
    const second = await postJson("/api/batches", reordered, { "idempotency-key": key });
    expect(second.status).toBe(200);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(second.json.id).toBe(first.json.id);
    await waitForBatch(first.json.id);
  });

  it("same key with another body is 409", async () => {
    const tag = uniqueTag("idem-conflict");
    const key = `key-${tag}`;
    const first = await createBatch({ operation: "run", items: [{ text: `${tag} a` }] }, { "idempotency-key": key });
    const error = await expectError(
      await postJson("/api/batches", { operation: "run", items: [{ text: `${tag} b` }] }, { "idempotency-key": key }),
      409,
      "idempotency_key_reused",
    );
    expect(error.message).toContain(first.id);
    await waitForBatch(first.id);
  });

  it("concurrent submits create one batch", async () => {
    const tag = uniqueTag("idem-race");
    const body = { operation: "run", items: [{ text: `${tag} race` }] };
    const headers = { "idempotency-key": `key-${tag}` };
    const responses = await Promise.all([postJson("/api/batches", body, headers), postJson("/api/batches", body, headers)]);
    expect(responses.map((r) => r.status).sort()).toEqual([200, 201]);
    expect(responses[0].json.id).toBe(responses[1].json.id);
    await waitForBatch(responses[0].json.id);
  });

  it("invalid key is 400", async () => {
    const body = { operation: "run", items: [{ text: "x" }] };
    await expectError(await postJson("/api/batches", body, { "idempotency-key": "k".repeat(256) }), 400, "invalid_idempotency_key", "Idempotency-Key");
    await expectError(await postJson("/api/batches", body, { "idempotency-key": "two words" }), 400, "invalid_idempotency_key");
  });
});

describe("GET /api/batches rejects", () => {
  it("unknown batch id is 404", async () => {
    await expectError(await callApi("GET", "/api/batches/batch_missing"), 404, "not_found");
    await expectError(await callApi("GET", "/api/batches/batch_missing/output"), 404, "not_found");
  });

  it("invalid list parameters", async () => {
    await expectError(await callApi("GET", "/api/batches?limit=0"), 400, "invalid_request", "limit");
    await expectError(await callApi("GET", "/api/batches?limit=101"), 400, "invalid_request", "limit");
    await expectError(await callApi("GET", "/api/batches?limit=ten"), 400, "invalid_request", "limit");
    const error = await expectError(await callApi("GET", "/api/batches?page=2"), 400, "invalid_request");
    expect(error.message).toContain('"page"');
  });

  it("invalid output parameters", async () => {
    const created = await createBatch({ operation: "run", items: [{ text: `${uniqueTag("output-params")} x` }] });
    const base = `/api/batches/${created.id}/output`;
    await expectError(await callApi("GET", `${base}?format=xml`), 400, "invalid_request", "format");
    const misspelled = await expectError(await callApi("GET", `${base}?format=csv&escapeFormula=false`), 400, "invalid_request");
    expect(misspelled.message).toContain('"escapeFormula"');
    await expectError(await callApi("GET", `${base}?format=json&bom=true`), 400, "invalid_parameter", "bom");
    await expectError(await callApi("GET", `${base}?format=csv&bom=yes`), 400, "invalid_request", "bom");
    await expectError(await callApi("GET", `${base}?format=csv&limit=10`), 400, "invalid_parameter", "limit");
    await expectError(await callApi("GET", `${base}?format=jsonl&after=3`), 400, "invalid_parameter", "after");
    await expectError(await callApi("GET", `${base}?limit=10001`), 400, "invalid_request", "limit");
    await expectError(await callApi("GET", `${base}?after=-2`), 400, "invalid_request", "after");
    await waitForBatch(created.id);
  });
});
