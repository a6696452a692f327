import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { BatchCoordinator } from "../../src/batch/coordinator";
import { getBatch } from "../batches/helpers";
import { deliver, drain, type RecordingQueue } from "../batches/pipeline";
import { tick } from "../schedules/helpers";
import { fakeCalls, uniqueTag } from "../support/fake-llm";
import { FailingQueue, hookedD1, swapCoordinatorEnv } from "./bindings";
import { coordinator, expectConsistentResults, makeWatchdogWindowPass } from "./invariants";
import { submitRecorded } from "./submit";

const ITEMS = 12;

/** Runs the alarm handler again, as the platform does after an alarm threw. */
function retryAlarm(id: string): Promise<void> {
  return runInDurableObject(coordinator(id), (instance) => (instance as unknown as BatchCoordinator).alarm());
}

async function chunkRow(id: string) {
  return runInDurableObject(coordinator(id), (_instance, state) => state.storage.sql.exec("SELECT state, enqueues FROM chunks WHERE n = 0").one());
}

async function prepareEnqueues(id: string): Promise<number> {
  return runInDurableObject(coordinator(id), async (_instance, state) => ((await state.storage.get("meta")) as { prepare_enqueues: number }).prepare_enqueues);
}

/** Makes the watchdog find everything stalled, then runs an alarm whose one queue send fails. */
async function runFailingAlarm(id: string, queue: RecordingQueue): Promise<void> {
  await makeWatchdogWindowPass(id);
  await swapCoordinatorEnv(coordinator(id), { BATCH_QUEUE: new FailingQueue(queue as unknown as Queue, 1) as unknown as Queue });
  await expect(runDurableObjectAlarm(coordinator(id))).rejects.toThrow("simulated queue outage");
}

describe("coordinator alarm failures", () => {
  it("failed chunk re-enqueue is retried", async () => {
    const tag = uniqueTag("alarm-chunk");
    const { id, ids, queue, testEnv } = await submitRecorded(tag, ITEMS);
    await deliver(testEnv, queue.take());
    expect(queue.take()).toHaveLength(1); // The chunk message is lost.

    await runFailingAlarm(id, queue);
    expect(queue.take()).toEqual([]);
    // Nothing records a send that failed, so the retry sends again.
    expect(await chunkRow(id)).toEqual({ state: "pending", enqueues: 1 });

    await retryAlarm(id);
    expect(await chunkRow(id)).toEqual({ state: "pending", enqueues: 2 });
    expect(await drain(testEnv, queue)).toBe(1);

    const { batch } = await expectConsistentResults(id, ids);
    expect(batch.status).toBe("completed");
    expect(await fakeCalls(tag)).toHaveLength(ITEMS);
  });

  it("failed input pass resend is retried", async () => {
    const tag = uniqueTag("alarm-prepare");
    const { id, ids, queue, testEnv } = await submitRecorded(tag, ITEMS);
    expect(queue.take()).toEqual([{ type: "prepare", batch_id: id }]); // Lost.

    await runFailingAlarm(id, queue);
    expect(await prepareEnqueues(id)).toBe(1);

    await retryAlarm(id);
    expect(await prepareEnqueues(id)).toBe(2);
    expect(await drain(testEnv, queue)).toBe(2);

    const { batch } = await expectConsistentResults(id, ids);
    expect(batch.status).toBe("completed");
  });

  it("alarm dropped after failing, cron recovers", async () => {
    const tag = uniqueTag("alarm-dropped");
    const { id, ids, queue, testEnv } = await submitRecorded(tag, ITEMS);
    await deliver(testEnv, queue.take());
    expect(queue.take()).toHaveLength(1); // The chunk message is lost.

    await runFailingAlarm(id, queue);
    // The platform gave up on the alarm: none is scheduled any more.
    expect(await runInDurableObject(coordinator(id), (_instance, state) => state.storage.getAlarm())).toBeNull();

    await tick(Date.now());
    expect(await drain(testEnv, queue)).toBe(1);

    const { batch } = await expectConsistentResults(id, ids);
    expect(batch.status).toBe("completed");
  });

  it("failed final write is retried by the alarm", async () => {
    const tag = uniqueTag("alarm-final-write");
    const { id, ids, queue, testEnv } = await submitRecorded(tag, ITEMS);
    // D1 rejects the coordinator's writes of the batch row until the outage ends.
    let outage = true;
    let rejected = 0;
    const db = hookedD1(env.DB, {
      before: (sql) => {
        if (!outage || !sql.startsWith('update "batches"')) return;
        rejected++;
        throw new Error("D1_ERROR: simulated outage");
      },
    });
    await swapCoordinatorEnv(coordinator(id), { DB: db });
    await deliver(testEnv, queue.take());
    await drain(testEnv, queue);

    // Every item has a result, but the batch row could not take the final state.
    expect(rejected).toBeGreaterThan(0);
    const stuck = await getBatch(id);
    expect(stuck.status).toBe("finalizing");
    expect(stuck.request_counts.completed).toBe(ITEMS);
    expect(await runInDurableObject(coordinator(id), (_instance, state) => state.storage.getAlarm())).not.toBeNull();

    outage = false;
    expect(await runDurableObjectAlarm(coordinator(id))).toBe(true);
    const { batch } = await expectConsistentResults(id, ids);
    expect(batch.status).toBe("completed");
  });
});
