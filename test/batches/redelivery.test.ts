import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { fakeCalls, uniqueTag } from "../support/fake-llm";
import { deliver, drain, envWith, fetchWith, limitedD1, RecordingQueue } from "./pipeline";

function items(tag: string, count: number) {
  return Array.from({ length: count }, (_, i) => ({ id: `item-${i}`, text: `${tag} text ${i}` }));
}

async function jsonlRecords(testEnv: ReturnType<typeof envWith>, id: string) {
  const response = await fetchWith(testEnv, "GET", `/api/batches/${id}/output?format=jsonl`);
  return response.text
    .trim()
    .split("\n")
    .map((line: string) => JSON.parse(line));
}

describe("chunk redelivery", () => {
  it("second delivery writes nothing new", async () => {
    const tag = uniqueTag("redeliver");
    const queue = new RecordingQueue();
    const testEnv = envWith({ BATCH_QUEUE: queue as unknown as Queue });
    const created = await fetchWith(testEnv, "POST", "/api/batches", { operation: "run", items: items(tag, 30) });
    expect(created.status).toBe(201);

    const prepare = queue.take();
    expect(prepare).toEqual([{ type: "prepare", batch_id: created.json.id }]);
    await deliver(testEnv, prepare);
    const chunkMessages = queue.take();
    expect(chunkMessages).toEqual([{ type: "chunk", batch_id: created.json.id, chunk: 0 }]);

    const first = await deliver(testEnv, chunkMessages);
    expect(first.explicitAcks).toHaveLength(1);
    expect(await fakeCalls(tag)).toHaveLength(30);

    const second = await deliver(testEnv, chunkMessages);
    expect(second.explicitAcks).toHaveLength(1);
    expect(second.retryMessages).toHaveLength(0);
    expect(await fakeCalls(tag)).toHaveLength(30);

    const batch = await fetchWith(testEnv, "GET", `/api/batches/${created.json.id}`);
    expect(batch.json.status).toBe("completed");
    expect(batch.json.request_counts.completed).toBe(30);
    const records = await jsonlRecords(testEnv, created.json.id);
    expect(records.map((record: { index: number }) => record.index)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it("retry after a failed write skips stored items", async () => {
    const tag = uniqueTag("redeliver-partial");
    const queue = new RecordingQueue();
    let inserts = 0;
    // The second result write of the first delivery fails, as a D1 outage would.
    const failing = limitedD1(env.DB, 100, (sql) => sql.startsWith("insert into \"batch_results\"") && ++inserts === 2);
    const failingEnv = envWith({ DB: failing.db, BATCH_QUEUE: queue as unknown as Queue });
    const created = await fetchWith(failingEnv, "POST", "/api/batches", { operation: "run", items: items(tag, 40) });
    await deliver(failingEnv, queue.take());
    const chunkMessages = queue.take();

    const first = await deliver(failingEnv, chunkMessages);
    expect(first.retryMessages).toHaveLength(1);
    expect(await fakeCalls(tag)).toHaveLength(40);
    const partial = await fetchWith(failingEnv, "GET", `/api/batches/${created.json.id}`);
    expect(partial.json.status).toBe("in_progress");
    expect(partial.json.request_counts.completed).toBe(25);

    const healthyEnv = envWith({ BATCH_QUEUE: queue as unknown as Queue });
    const second = await deliver(healthyEnv, chunkMessages);
    expect(second.explicitAcks).toHaveLength(1);
    // Only the 15 items whose results were lost run again.
    expect(await fakeCalls(tag)).toHaveLength(55);

    const batch = await fetchWith(healthyEnv, "GET", `/api/batches/${created.json.id}`);
    expect(batch.json.status).toBe("completed");
    expect(batch.json.request_counts).toEqual({ total: 40, completed: 40, failed: 0, cancelled: 0, expired: 0 });
    const records = await jsonlRecords(healthyEnv, created.json.id);
    expect(records).toHaveLength(40);
    expect(new Set(records.map((record: { id: string }) => record.id)).size).toBe(40);
  });

  it("redelivered input pass changes nothing", async () => {
    const tag = uniqueTag("redeliver-prepare");
    const queue = new RecordingQueue();
    const testEnv = envWith({ BATCH_QUEUE: queue as unknown as Queue });
    const created = await fetchWith(testEnv, "POST", "/api/batches", { operation: "run", items: items(tag, 5) });
    const prepare = queue.take();
    await deliver(testEnv, prepare);
    await drain(testEnv, queue);
    await deliver(testEnv, prepare);
    await drain(testEnv, queue);

    expect(await fakeCalls(tag)).toHaveLength(5);
    const batch = await fetchWith(testEnv, "GET", `/api/batches/${created.json.id}`);
    expect(batch.json.status).toBe("completed");
    expect(batch.json.request_counts.completed).toBe(5);
  });
});
