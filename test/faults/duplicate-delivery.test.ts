import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getBatch } from "../batches/helpers";
import { deliver, envWith, type TestEnv } from "../batches/pipeline";
import { uniqueTag } from "../support/fake-llm";
import { hookedD1, isResultInsert, isTallyRead, latch } from "./bindings";
import { callsByMarker, loggedCalls, scriptFaults, waitForCalls } from "./fault-script";
import { expectConsistentResults, type FaultItem, makeWatchdogWindowPass } from "./invariants";
import { submitRecorded } from "./submit";

type ChunkMessage = { type: "chunk"; batch_id: string; chunk: number };

/** Latency of the first consumer's first calls: long enough for a second consumer to take the chunk over meanwhile. */
const SLOW_CALL_MS = 1_000;

/** Submits a batch whose messages are recorded, runs its input pass and returns its chunk messages. */
async function submitPrepared(tag: string, count: number) {
  const submitted = await submitRecorded(tag, count);
  await deliver(submitted.testEnv, submitted.queue.take());
  return { ...submitted, chunkMessages: submitted.queue.take() as ChunkMessage[] };
}

/** Returns how many model calls each item received. */
async function callsPerItem(tag: string, items: FaultItem[]): Promise<number[]> {
  const byItem = callsByMarker(
    await loggedCalls(tag),
    items.map((item) => item.marker),
  );
  return items.map((item) => byItem.get(item.marker)!.length);
}

describe("duplicate chunk delivery", () => {
  it("concurrent duplicates run each item once", async () => {
    const tag = uniqueTag("duplicate-concurrent");
    const { id, ids, items, testEnv, chunkMessages } = await submitPrepared(tag, 60);

    const outcomes = await Promise.all([deliver(testEnv, chunkMessages), deliver(testEnv, chunkMessages)]);
    for (const outcome of outcomes) expect(outcome.explicitAcks).toHaveLength(1);
    for (const outcome of outcomes) expect(outcome.retryMessages).toHaveLength(0);

    expect(await callsPerItem(tag, items)).toEqual(items.map(() => 1));
    const { batch } = await expectConsistentResults(id, ids);
    expect(batch.request_counts.completed).toBe(60);
  });

  it("duplicate after completion is skipped", async () => {
    const tag = uniqueTag("duplicate-sequential");
    const { id, ids, items, testEnv, chunkMessages } = await submitPrepared(tag, 30);

    await deliver(testEnv, chunkMessages);
    expect((await getBatch(id)).status).toBe("completed");
    const again = await deliver(testEnv, chunkMessages);
    expect(again.explicitAcks).toHaveLength(1);

    expect(await callsPerItem(tag, items)).toEqual(items.map(() => 1));
    await expectConsistentResults(id, ids);
  });

  it("every chunk twice, interleaved", async () => {
    const tag = uniqueTag("duplicate-interleaved");
    const { id, ids, items, testEnv, chunkMessages } = await submitPrepared(tag, 450);
    expect(chunkMessages.map((message) => message.chunk)).toEqual([0, 1, 2]);

    const order = [...chunkMessages, ...[...chunkMessages].reverse()];
    const outcomes: Array<Awaited<ReturnType<typeof deliver>>> = await Promise.all(order.map((message) => deliver(testEnv, [message])));
    expect(outcomes.map((outcome) => outcome.retryMessages.length)).toEqual(order.map(() => 0));

    expect(await callsPerItem(tag, items)).toEqual(items.map(() => 1));
    const { batch } = await expectConsistentResults(id, ids);
    expect(batch.request_counts.completed).toBe(450);
  });

  it("takeover of a stalled chunk keeps one result each", async () => {
    const tag = uniqueTag("duplicate-takeover");
    // The first consumer's first calls are slow, so they are still in flight at the takeover.
    await scriptFaults(tag, [{ first: Number(env.LLM_CONCURRENCY), delay_ms: SLOW_CALL_MS }]);
    const { id, ids, items, testEnv, chunkMessages } = await submitPrepared(tag, 60);

    const slow = deliver(testEnv, chunkMessages);
    await waitForCalls(tag, Number(env.LLM_CONCURRENCY));
    await makeWatchdogWindowPass(id);
    const takeover = await deliver(testEnv, chunkMessages);
    const first = await slow;
    expect(takeover.explicitAcks).toHaveLength(1);
    expect(first.explicitAcks).toHaveLength(1);

    // Only the calls in flight at the takeover were sent twice.
    const perItem = await callsPerItem(tag, items);
    expect(perItem.filter((calls) => calls === 2)).toHaveLength(Number(env.LLM_CONCURRENCY));
    expect(perItem.filter((calls) => calls > 2)).toEqual([]);
    const { batch } = await expectConsistentResults(id, ids);
    expect(batch.status).toBe("completed");
    expect(batch.request_counts.completed).toBe(60);
  });

  it("stale report after takeover keeps counts", async () => {
    const tag = uniqueTag("duplicate-stale-report");
    await scriptFaults(tag, [{ first: Number(env.LLM_CONCURRENCY), delay_ms: SLOW_CALL_MS }]);
    // 250 items: chunk 0 has 200, chunk 1 has 50.
    const { id, ids, items, testEnv, chunkMessages } = await submitPrepared(tag, 250);
    expect(chunkMessages).toHaveLength(2);

    // The new owner of chunk 0 pauses before its second write until the old owner has counted.
    const oldOwnerCounted = latch();
    const staleReportGoes = latch();
    const oldOwnerRecounts = latch();
    const recountGoes = latch();
    let newOwnerWrites = 0;
    const newOwner: Partial<TestEnv> = {
      DB: hookedD1(env.DB, { before: async (sql) => (isResultInsert(sql) && ++newOwnerWrites === 2 ? oldOwnerCounted.opened : undefined) }),
    };
    // The old owner's two tally reads: the first runs at once but its result is held back,
    // the second waits to run until the test lets it.
    let oldOwnerReads = 0;
    const oldOwner: Partial<TestEnv> = {
      DB: hookedD1(env.DB, {
        before: async (sql) => {
          if (!isTallyRead(sql) || ++oldOwnerReads !== 2) return;
          oldOwnerRecounts.open();
          await recountGoes.opened;
        },
        after: async (sql) => {
          if (!isTallyRead(sql) || oldOwnerReads !== 1) return;
          oldOwnerCounted.open();
          await staleReportGoes.opened;
        },
      }),
    };

    const slow = deliver(envWith({ ...testEnv, ...oldOwner }), [chunkMessages[0]]);
    await waitForCalls(tag, Number(env.LLM_CONCURRENCY));
    await makeWatchdogWindowPass(id);
    const takeover = await deliver(envWith({ ...testEnv, ...newOwner }), [chunkMessages[0]]);
    expect(takeover.explicitAcks).toHaveLength(1);
    expect((await getBatch(id)).request_counts.completed).toBe(200);

    // The old owner's count, read before the new owner finished, arrives now.
    staleReportGoes.open();
    await oldOwnerRecounts.opened;
    const last = await deliver(testEnv, [chunkMessages[1]]);
    expect(last.explicitAcks).toHaveLength(1);
    recountGoes.open();
    expect((await slow).explicitAcks).toHaveLength(1);

    const { batch } = await expectConsistentResults(id, ids);
    expect(batch.status).toBe("completed");
    expect(batch.request_counts.completed).toBe(250);
  });
});
