import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { waitForBatch } from "../batches/helpers";
import { deliver, envWith, fetchWith, RecordingQueue } from "../batches/pipeline";
import { tick } from "../schedules/helpers";
import { fakeCalls, uniqueTag } from "../support/fake-llm";

function coordinator(id: string) {
  return env.BATCH_COORDINATOR.get(env.BATCH_COORDINATOR.idFromName(id));
}

/** Submits a batch and runs its input pass, keeping the chunk messages instead of delivering them. */
async function submitPrepared(tag: string, count: number) {
  const queue = new RecordingQueue();
  const testEnv = envWith({ BATCH_QUEUE: queue as unknown as Queue });
  const items = Array.from({ length: count }, (_, i) => ({ id: `r${i}`, text: `${tag} ${i}` }));
  const created = await fetchWith(testEnv, "POST", "/api/batches", { operation: "run", items });
  expect(created.status, created.text).toBe(201);
  await deliver(testEnv, queue.take());
  const chunkMessages = queue.take();
  expect(chunkMessages).toHaveLength(1);
  return { id: created.json.id as string, chunkMessages, testEnv };
}

/** Deletes the coordinator's alarm and lets `change` edit its stored record and chunks. */
async function loseAlarm(id: string, change: (meta: Record<string, unknown>, sql: SqlStorage) => Record<string, unknown> = (meta) => meta) {
  await runInDurableObject(coordinator(id), async (_instance, state) => {
    await state.storage.deleteAlarm();
    const meta = (await state.storage.get("meta")) as Record<string, unknown>;
    await state.storage.put("meta", change(meta, state.storage.sql));
  });
}

async function alarmOf(id: string): Promise<number | null> {
  return runInDurableObject(coordinator(id), (_instance, state) => state.storage.getAlarm());
}

describe("BatchCoordinator.recheck", () => {
  it("armed alarm is left alone", async () => {
    const { id } = await submitPrepared(uniqueTag("armed"), 2);
    const before = await alarmOf(id);
    expect(before).not.toBeNull();
    const result = await coordinator(id).recheck();
    expect(result.ran).toBe(false);
    expect(result.status).toBe("queued");
    expect(await alarmOf(id)).toBe(before);
  });

  it("lost alarm is armed again", async () => {
    const { id } = await submitPrepared(uniqueTag("rearm"), 2);
    await loseAlarm(id);
    const result = await coordinator(id).recheck();
    expect(result.ran).toBe(true);
    expect(await alarmOf(id)).not.toBeNull();
  });

  it("unknown batch reports no status", async () => {
    const result = await coordinator(`batch_unknown_${uniqueTag("x")}`).recheck();
    expect(result).toEqual({ ran: false, status: null });
  });
});

describe("cron trigger batch re-check", () => {
  it("lost alarm past the window expires", async () => {
    const tag = uniqueTag("expire");
    const { id, chunkMessages, testEnv } = await submitPrepared(tag, 3);
    await loseAlarm(id, (meta) => ({ ...meta, expires_at: new Date(Date.now() - 1_000).toISOString() }));
    await tick(Date.now());

    const progress = await coordinator(id).progress();
    expect(progress?.status).toBe("finalizing");
    expect(await alarmOf(id)).not.toBeNull();

    // The chunk message arrives late and closes the chunk with expired results.
    await deliver(testEnv, chunkMessages);
    const batch = await waitForBatch(id);
    expect(batch.status).toBe("expired");
    expect(batch.request_counts.expired).toBe(3);
    expect(batch.results_expire_at).not.toBeNull();
    expect(await fakeCalls(tag)).toHaveLength(0);
  });

  it("lost alarm of a stalled batch re-drives it", async () => {
    const tag = uniqueTag("stalled");
    const { id } = await submitPrepared(tag, 2);
    // The chunk message is lost, the alarm too, and the chunk has been idle for long.
    await loseAlarm(id, (meta, sql) => {
      sql.exec("UPDATE chunks SET activity_at = 0");
      return { ...meta, prepare_activity_at: 0 };
    });
    await tick(Date.now());

    const batch = await waitForBatch(id);
    expect(batch.status).toBe("completed");
    expect(batch.request_counts.completed).toBe(2);
    expect(await fakeCalls(tag)).toHaveLength(2);
  });
});
