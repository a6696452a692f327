import { describe, expect, it } from "vitest";
import { MessageTooLargeError, messageBytes, planSendBatches, sendMessages } from "../../src/batch/messages";
import { QUEUE_MESSAGE_MAX_BYTES, QUEUE_SEND_BATCH_MAX_BYTES } from "../../src/config/limits";
import { fakeCalls, scriptFake, uniqueTag } from "../support/fake-llm";
import { createBatch, downloadJsonl, multibyteText, waitForBatch } from "./helpers";
import { RecordingQueue } from "./pipeline";

describe("planSendBatches", () => {
  it("splits at 100 messages", () => {
    const groups = planSendBatches(Array.from({ length: 250 }, (_, i) => ({ chunk: i })));
    expect(groups.map((group) => group.length)).toEqual([100, 100, 50]);
  });

  it("splits by UTF-8 bytes", () => {
    const bodies = Array.from({ length: 30 }, () => ({ text: multibyteText(9_000) }));
    const text = bodies[0].text;
    expect(new TextEncoder().encode(text).byteLength).toBeGreaterThan(text.length);
    const groups = planSendBatches(bodies);
    expect(groups.length).toBeGreaterThan(1);
    for (const group of groups) {
      const bytes = group.reduce((sum, body) => sum + messageBytes(body) + 100, 0);
      expect(bytes).toBeLessThanOrEqual(QUEUE_SEND_BATCH_MAX_BYTES);
    }
    expect(groups.flat()).toHaveLength(30);
  });

  it("rejects an oversized message before sending", async () => {
    const queue = new RecordingQueue();
    const bodies = [{ text: "small" }, { text: multibyteText(150_000) }];
    expect(messageBytes(bodies[1])).toBeGreaterThan(QUEUE_MESSAGE_MAX_BYTES);
    await expect(sendMessages(queue as unknown as Queue, bodies)).rejects.toBeInstanceOf(MessageTooLargeError);
    expect(queue.sent).toHaveLength(0);
  });
});

describe("large item texts", () => {
  it("150 KB items travel through R2 intact", async () => {
    const tag = uniqueTag("large-items");
    const items = Array.from({ length: 66 }, (_, i) => {
      const big = i % 11 === 5;
      return { id: `q${String(i).padStart(3, "0")}`, text: `<${tag}:${i}> ${multibyteText(big ? 150_000 : 9_000)}` };
    });
    const longAnswer = multibyteText(150_000);
    await scriptFake(`<${tag}:5>`, [{ content: longAnswer }]);

    const created = await createBatch({ operation: "run", items });
    const batch = await waitForBatch(created.id);
    expect(batch.status).toBe("completed");
    expect(batch.request_counts.completed).toBe(66);

    const calls = await fakeCalls(tag);
    expect(calls).toHaveLength(66);
    const sent = new Map(calls.map((call) => [call.body.messages.at(-1)!.content.slice(0, 40), call.body.messages.at(-1)!.content]));
    for (const item of items) expect(sent.get(item.text.slice(0, 40))).toBe(item.text);

    const { records } = await downloadJsonl(created.id);
    expect(records.map((record) => record.id)).toEqual(items.map((item) => item.id));
    expect(records[5].output).toBe(longAnswer);
  });
});
