import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { fakeCalls, uniqueTag } from "../support/fake-llm";
import { waitForBatch } from "./helpers";
import { deliver, envWith, fetchWith, RecordingQueue } from "./pipeline";

function coordinator(id: string) {
  return env.BATCH_COORDINATOR.get(env.BATCH_COORDINATOR.idFromName(id));
}

/** Makes every chunk and the input pass look idle since the epoch. */
async function makeEverythingLookStalled(id: string) {
  await runInDurableObject(coordinator(id), async (_instance, state) => {
    state.storage.sql.exec("UPDATE chunks SET activity_at = 0");
    const meta = (await state.storage.get("meta")) as Record<string, unknown>;
    await state.storage.put("meta", { ...meta, prepare_activity_at: 0 });
  });
}

async function chunkRow(id: string, n: number) {
  return runInDurableObject(coordinator(id), (_instance, state) => state.storage.sql.exec("SELECT * FROM chunks WHERE n = ?", n).one());
}

/** Submits a batch whose messages go to a recording queue, so none is delivered by itself. */
async function submitUndelivered(tag: string, count: number) {
  const queue = new RecordingQueue();
  const testEnv = envWith({ BATCH_QUEUE: queue as unknown as Queue });
  const items = Array.from({ length: count }, (_, i) => ({ id: `w${i}`, text: `${tag} ${i}` }));
  const created = await fetchWith(testEnv, "POST", "/api/batches", { operation: "run", items });
  expect(created.status).toBe(201);
  return { id: created.json.id as string, queue, testEnv };
}

describe("coordinator watchdog", () => {
  it("lost chunk message is re-enqueued", async () => {
    const tag = uniqueTag("watchdog-lost");
    const { id, queue, testEnv } = await submitUndelivered(tag, 3);
    await deliver(testEnv, queue.take());
    expect(queue.take()).toHaveLength(1); // The chunk message is dropped here: lost.

    await makeEverythingLookStalled(id);
    expect(await runDurableObjectAlarm(coordinator(id))).toBe(true);

    const batch = await waitForBatch(id);
    expect(batch.status).toBe("completed");
    expect(batch.request_counts.completed).toBe(3);
    expect((await chunkRow(id, 0)).enqueues).toBe(2);
    expect(await fakeCalls(tag)).toHaveLength(3);
  });

  it("chunk of a dead consumer is taken over", async () => {
    const tag = uniqueTag("watchdog-dead");
    const { id, queue, testEnv } = await submitUndelivered(tag, 3);
    await deliver(testEnv, queue.take());
    queue.take();

    // A consumer claims the chunk and dies without a word.
    const claim = await coordinator(id).claimChunk({ n: 0, lease: "dead-consumer" });
    expect(claim.action).toBe("process");
    expect((await chunkRow(id, 0)).state).toBe("running");

    // A duplicate delivery while the claim is fresh is skipped.
    const duplicate = await deliver(testEnv, [{ type: "chunk", batch_id: id, chunk: 0 }]);
    expect(duplicate.explicitAcks).toHaveLength(1);
    expect(await fakeCalls(tag)).toHaveLength(0);

    await makeEverythingLookStalled(id);
    await runDurableObjectAlarm(coordinator(id));
    const batch = await waitForBatch(id);
    expect(batch.status).toBe("completed");
    expect(batch.request_counts.completed).toBe(3);

    // The dead consumer's lease no longer grants calls.
    const permit = await coordinator(id).permitCall({ n: 0, lease: "dead-consumer" });
    expect(permit.ok).toBe(false);
  });

  it("lost input pass is sent again", async () => {
    const tag = uniqueTag("watchdog-prepare");
    const { id, queue } = await submitUndelivered(tag, 2);
    expect(queue.take()).toEqual([{ type: "prepare", batch_id: id }]);

    await makeEverythingLookStalled(id);
    await runDurableObjectAlarm(coordinator(id));
    const batch = await waitForBatch(id);
    expect(batch.status).toBe("completed");
    expect(batch.request_counts.completed).toBe(2);
  });

  it("coordinator without a batch row is discarded", async () => {
    const stub = coordinator("batch_never_created");
    await stub.init({ batch_id: "batch_never_created", total: 1, expires_at: new Date(Date.now() + 3_600_000).toISOString() });
    await makeEverythingLookStalled("batch_never_created");
    await runDurableObjectAlarm(stub);
    expect(await stub.progress()).toBeNull();
  });
});
