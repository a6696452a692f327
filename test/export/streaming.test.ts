import { describe, expect, it } from "vitest";
import { EXPORT_STREAM_PAGE_ROWS } from "../../src/config/limits";
import { callApi } from "../support/api";
import { scriptFake, uniqueTag } from "../support/fake-llm";
import { createBatch, downloadCsv, downloadJsonl, downloadJsonPages, waitForBatch } from "../batches/helpers";

describe("result downloads", () => {
  it("stream every result across D1 pages", async () => {
    const tag = uniqueTag("stream");
    const count = 2 * EXPORT_STREAM_PAGE_ROWS + 100;
    const items = Array.from({ length: count }, (_, i) => ({ id: `s${i}`, text: `${tag} ${i}` }));
    const created = await createBatch({ operation: "label", categories: ["a", "b"], items });
    const batch = await waitForBatch(created.id, undefined, 60_000);
    expect(batch.request_counts.completed).toBe(count);

    const { records } = await downloadJsonl(created.id);
    expect(records).toHaveLength(count);
    expect(records.map((record) => record.index)).toEqual(Array.from({ length: count }, (_, i) => i));
    // Inputs join across D1 pages and chunk objects alike.
    expect(records.filter((record) => record.input?.text !== `${tag} ${record.index}`)).toEqual([]);

    const csv = await downloadCsv(created.id);
    expect(csv.headers.get("content-disposition")).toBe(`attachment; filename="${created.id}-results.csv"`);
    const lines = csv.text.split("\r\n");
    expect(lines[0]).toBe("index,id,text,other_metadata,status,label,error_code,error_message,raw");
    expect(lines).toHaveLength(count + 2);
    for (const index of [0, 199, 200, 499, 500, count - 1]) {
      expect(lines[index + 1].startsWith(`${index},s${index},${tag} ${index},,succeeded,`), lines[index + 1]).toBe(true);
    }
    expect(lines.at(-1)).toBe("");

    const { records: paged, pages } = await downloadJsonPages(created.id, 500);
    expect(pages).toBe(3);
    expect(paged).toHaveLength(count);
    expect(paged.filter((record) => record.input?.text !== `${tag} ${record.index}`)).toEqual([]);
  }, 90_000);

  it("unfinished batch downloads are partial", async () => {
    const tag = uniqueTag("partial");
    // Two retried 503s and a slow response keep the item running well past the first result flush.
    await scriptFake(`${tag} slow`, [{ status: 503 }, { status: 503 }, { delay_ms: 1_000 }]);
    const created = await createBatch({ operation: "run", items: [{ id: "fast", text: `${tag} fast` }, { id: "slow", text: `${tag} slow` }] });
    const running = await waitForBatch(created.id, (batch) => batch.request_counts.completed === 1);
    expect(running.status).toBe("in_progress");

    const json = await callApi("GET", `/api/batches/${created.id}/output`);
    expect(json.headers.get("x-batch-partial")).toBe("true");
    expect(json.json.partial).toBe(true);
    expect(json.json.status).toBe("in_progress");
    expect(json.json.data.map((record: { id: string }) => record.id)).toEqual(["fast"]);
    const jsonl = await downloadJsonl(created.id);
    expect(jsonl.headers.get("x-batch-partial")).toBe("true");

    await waitForBatch(created.id);
    const done = await callApi("GET", `/api/batches/${created.id}/output`);
    expect(done.headers.get("x-batch-partial")).toBe("false");
    expect(done.json.partial).toBe(false);
    expect(done.json.data).toHaveLength(2);
  });

  it("label multi-label exports labels as JSON text", async () => {
    const tag = uniqueTag("multi-label");
    await scriptFake(tag, [{ content: JSON.stringify({ labels: ["red", "blue"] }) }]);
    const created = await createBatch({ operation: "label", multi_label: true, categories: ["red", "blue"], items: [{ id: "m", text: `${tag} x` }] });
    await waitForBatch(created.id);
    const csv = await downloadCsv(created.id);
    expect(csv.text.split("\r\n")[1]).toBe(`0,m,${tag} x,,succeeded,"[""red"",""blue""]",,,`);
  });
});
