import { describe, expect, it } from "vitest";
import uniqueIds from "../fixtures/batches/unique-ids.json";
import { scriptFake, uniqueTag } from "../support/fake-llm";
import { createBatch, downloadCsv, downloadJsonl, downloadJsonPages, waitForBatch } from "./helpers";

describe("result order", () => {
  it("results follow input order, not completion order", async () => {
    const tag = uniqueTag("order");
    // Random latencies make calls finish out of input order.
    for (const item of uniqueIds) {
      await scriptFake(`[${tag}] ${item.text};`, [{ content: `reply to ${item.text}`, delay_ms: Math.floor(Math.random() * 40) }]);
    }
    const created = await createBatch({
      operation: "run",
      items: uniqueIds.map((item) => ({ id: item.id, text: `[${tag}] ${item.text};` })),
    });
    const batch = await waitForBatch(created.id);
    expect(batch.request_counts.completed).toBe(200);

    const { records } = await downloadJsonl(created.id);
    expect(records.map((record) => record.id)).toEqual(uniqueIds.map((item) => item.id));
    for (const record of records) {
      const number = Number(record.id.slice(2));
      expect(record.index).toBe(number - 1);
      expect(record.output).toBe(`reply to item ${number}`);
    }

    const { records: paged, pages } = await downloadJsonPages(created.id, 64);
    expect(pages).toBe(4);
    expect(paged.map((record) => record.id)).toEqual(uniqueIds.map((item) => item.id));

    const csv = await downloadCsv(created.id, "&include_input=false");
    const rows = csv.text.trim().split("\r\n").slice(1).map((line) => line.split(","));
    expect(rows.map((row) => row[1])).toEqual(uniqueIds.map((item) => item.id));
    expect(rows[16]).toEqual(["16", "u-017", "succeeded", "reply to item 17", "", "", ""]);
  });
});
