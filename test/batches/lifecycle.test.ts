import { describe, expect, it } from "vitest";
import { fakeCalls, uniqueTag } from "../support/fake-llm";
import { createBatch, downloadJsonl, waitForBatch } from "./helpers";

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
    expect(created.request_counts.total).toBe(3);

    const batch = await waitForBatch(created.id);
    expect(batch.status).toBe("completed");
    expect(batch.request_counts).toEqual({ total: 3, completed: 3, failed: 0, cancelled: 0, expired: 0 });
    expect(batch.usage.prompt_tokens).toBeGreaterThan(0);

    const { records, headers } = await downloadJsonl(created.id);
    expect(headers.get("x-batch-partial")).toBe("false");
    expect(records.map((r) => r.id)).toEqual(["a", "b", "2"]);
    for (const record of records) expect(["billing", "shipping"]).toContain(record.output.label);
    expect(await fakeCalls(tag)).toHaveLength(3);
  });
});
