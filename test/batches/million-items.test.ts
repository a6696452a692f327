import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { messageBytes } from "../../src/batch/messages";
import { BATCH_CHUNK_ITEMS, QUEUE_MESSAGE_MAX_BYTES, QUEUE_SEND_BATCH_MAX_MESSAGES } from "../../src/config/limits";
import { uploadFile } from "./helpers";
import { deliver, envWith, fetchWith, RecordingQueue } from "./pipeline";

const ITEMS = 1_000_000;

describe("one million items", () => {
  it("input pass counts 1,000,000 items in 5,000 chunks", async () => {
    const lines: string[] = [];
    for (let i = 1; i <= ITEMS; i++) lines.push(`ticket ${i}`);
    const file = await uploadFile("million.txt", `${lines.join("\n")}\n`, "text/plain");
    expect(file.item_count).toBe(ITEMS);

    const queue = new RecordingQueue();
    const testEnv = envWith({ BATCH_QUEUE: queue as unknown as Queue });
    const created = await fetchWith(testEnv, "POST", "/api/batches", { operation: "label", categories: ["a", "b"], file_id: file.id });
    expect(created.status, created.text).toBe(201);
    expect(created.json.request_counts.total).toBe(ITEMS);

    const started = Date.now();
    const prepare = await deliver(testEnv, queue.take());
    const elapsed = Date.now() - started;
    expect(prepare.explicitAcks).toHaveLength(1);
    console.log(`input pass of ${ITEMS} items took ${elapsed} ms`);

    const messages = queue.take();
    const chunks = ITEMS / BATCH_CHUNK_ITEMS;
    expect(messages).toHaveLength(chunks);
    expect(new Set(messages.map((message: any) => message.chunk)).size).toBe(chunks);
    expect(Math.max(...messages.map(messageBytes))).toBeLessThan(QUEUE_MESSAGE_MAX_BYTES);
    expect(Math.max(...queue.sendBatchSizes)).toBeLessThanOrEqual(QUEUE_SEND_BATCH_MAX_MESSAGES);

    const stub = env.BATCH_COORDINATOR.get(env.BATCH_COORDINATOR.idFromName(created.json.id));
    const stored = await runInDurableObject(stub, (_instance, state) =>
      state.storage.sql.exec("SELECT count(*) AS chunks, sum(count) AS items, max(start + count) AS end FROM chunks").one(),
    );
    expect(stored).toEqual({ chunks, items: ITEMS, end: ITEMS });
    const progress = await stub.progress();
    expect(progress?.status).toBe("queued");
    expect(progress?.request_counts.total).toBe(ITEMS);

    const lastChunk = await env.FILES.get(`batches/${created.json.id}/chunks/${chunks - 1}.jsonl`);
    const lastLines = (await lastChunk!.text()).trim().split("\n");
    expect(lastLines).toHaveLength(BATCH_CHUNK_ITEMS);
    expect(JSON.parse(lastLines.at(-1)!)).toEqual({ index: ITEMS - 1, id: String(ITEMS), text: `ticket ${ITEMS}`, metadata: {} });
  }, 300_000);
});
