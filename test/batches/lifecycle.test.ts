import { describe, expect, it } from "vitest";
import { callApi } from "../support/api";
import { fakeCalls, scriptFake, uniqueTag } from "../support/fake-llm";
import { createBatch, downloadJsonl, waitForBatch } from "./helpers";

const ALL_DONE = (total: number) => ({ total, completed: total, failed: 0, cancelled: 0, expired: 0 });

describe("POST /api/batches", () => {
  it("label batch runs to completed", async () => {
    const tag = uniqueTag("batch-label");
    const created = await createBatch({
      operation: "label",
      categories: ["billing", "shipping"],
      items: [
        { id: "a", text: `${tag} I was charged twice` },
        { id: "b", text: `${tag} Where is my parcel?` },
        { text: `${tag} Refund please` },
      ],
    });
    expect(created.object).toBe("batch");
    expect(created.operation).toBe("label");
    expect(["validating", "queued", "in_progress", "completed"]).toContain(created.status);
    expect(created.request_counts.total).toBe(3);
    expect(created.input).toEqual({ source: "inline" });
    expect(created.file_id).toBeNull();
    expect(Date.parse(created.expires_at) - Date.parse(created.created_at)).toBe(24 * 3600 * 1000);

    const batch = await waitForBatch(created.id);
    expect(batch.status).toBe("completed");
    expect(batch.request_counts).toEqual(ALL_DONE(3));
    expect(batch.usage.prompt_tokens).toBeGreaterThan(0);
    expect(batch.usage.completion_tokens).toBeGreaterThan(0);
    expect(batch.started_at).not.toBeNull();
    expect(batch.completed_at).not.toBeNull();
    expect(batch.cancelled_at).toBeNull();

    const { records, headers } = await downloadJsonl(created.id);
    expect(headers.get("x-batch-partial")).toBe("false");
    expect(records.map((r) => r.id)).toEqual(["a", "b", "2"]);
    expect(records.map((r) => r.index)).toEqual([0, 1, 2]);
    for (const record of records) {
      expect(record.status).toBe("succeeded");
      expect(["billing", "shipping"]).toContain(record.output.label);
      expect(record.error).toBeNull();
      expect(record.usage.prompt_tokens).toBeGreaterThan(0);
    }
    expect(await fakeCalls(tag)).toHaveLength(3);
  });

  it("summarize batch stores summaries", async () => {
    const tag = uniqueTag("batch-summarize");
    await scriptFake(`${tag} first`, [{ content: "A short summary." }]);
    const created = await createBatch({
      operation: "summarize",
      max_words: 10,
      items: [{ id: "s1", text: `${tag} first long text` }, { id: "s2", text: `${tag} second long text` }],
    });
    const batch = await waitForBatch(created.id);
    expect(batch.status).toBe("completed");
    expect(batch.request_counts).toEqual(ALL_DONE(2));
    const { records } = await downloadJsonl(created.id);
    expect(records[0].output).toEqual({ summary: "A short summary." });
    expect(typeof records[1].output.summary).toBe("string");
  });

  it("extract batch returns typed fields", async () => {
    const tag = uniqueTag("batch-extract");
    await scriptFake(`${tag} order`, [{ content: JSON.stringify({ order_id: "A-17", amount: 12.5 }) }]);
    const created = await createBatch({
      operation: "extract",
      fields: { order_id: "string", amount: "number" },
      items: [{ id: "e1", text: `${tag} order A-17 cost 12.50` }],
    });
    const batch = await waitForBatch(created.id);
    expect(batch.request_counts).toEqual(ALL_DONE(1));
    const { records } = await downloadJsonl(created.id);
    expect(records[0].output).toEqual({ order_id: "A-17", amount: 12.5 });
  });

  it("enrich batch uses metadata context", async () => {
    const tag = uniqueTag("batch-enrich");
    const created = await createBatch({
      operation: "enrich",
      fields: [{ name: "segment", type: "enum", valid_values: ["retail", "wholesale"] }],
      include_context: true,
      items: [{ id: "n1", text: `${tag} bulk order`, metadata: { country: "FR" } }],
    });
    const batch = await waitForBatch(created.id);
    expect(batch.request_counts).toEqual(ALL_DONE(1));
    const { records } = await downloadJsonl(created.id);
    expect(["retail", "wholesale"]).toContain(records[0].output.segment);
    const calls = await fakeCalls(tag);
    expect(calls[0].body.messages.at(-1)?.content).toContain("country: FR");
  });

  it("run batch fills templates from metadata", async () => {
    const tag = uniqueTag("batch-run");
    const created = await createBatch({
      operation: "run",
      user_prompt_template: "Translate to {lang}: {text}",
      items: [{ id: "r1", text: `${tag} hello`, metadata: { lang: "German" } }],
    });
    const batch = await waitForBatch(created.id);
    expect(batch.request_counts).toEqual(ALL_DONE(1));
    const calls = await fakeCalls(tag);
    expect(calls[0].body.messages.at(-1)?.content).toBe(`Translate to German: ${tag} hello`);
    const { records } = await downloadJsonl(created.id);
    expect(typeof records[0].output).toBe("string");
  });

  it("failed items count as failed", async () => {
    const tag = uniqueTag("batch-item-failure");
    await scriptFake(`${tag} bad`, [{ content: "not a category" }, { content: "still not" }]);
    const created = await createBatch({
      operation: "label",
      categories: ["yes", "no"],
      items: [{ id: "ok", text: `${tag} good` }, { id: "bad", text: `${tag} bad` }],
    });
    const batch = await waitForBatch(created.id);
    expect(batch.status).toBe("completed");
    expect(batch.request_counts).toEqual({ total: 2, completed: 1, failed: 1, cancelled: 0, expired: 0 });
    const { records } = await downloadJsonl(created.id);
    expect(records[1].status).toBe("failed");
    expect(records[1].error.code).toBe("invalid_label");
    expect(records[1].raw).toBe("still not");
    expect(records[1].output).toBeNull();
  });
});

describe("GET /api/batches", () => {
  it("list pages with a cursor", async () => {
    const tag = uniqueTag("batch-list");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const created = await createBatch({ operation: "run", items: [{ text: `${tag} ${i}` }] });
      ids.push(created.id);
    }
    const first = await callApi("GET", "/api/batches?limit=2");
    expect(first.status).toBe(200);
    expect(first.json.object).toBe("list");
    expect(first.json.data).toHaveLength(2);
    expect(first.json.data[0].id).toBe(ids[2]);
    expect(first.json.data[1].id).toBe(ids[1]);
    expect(first.json.has_more).toBe(true);

    const second = await callApi("GET", `/api/batches?limit=2&after=${first.json.last_id}`);
    expect(second.json.data[0].id).toBe(ids[0]);
    for (const id of ids) await waitForBatch(id);
  });
});
