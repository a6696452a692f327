// Submits fault-test batches: through the real queue and on to their end, or with their
// queue messages recorded, so that a test delivers, drops or repeats them itself.
import { expect } from "vitest";
import { createBatch } from "../batches/helpers";
import { envWith, fetchWith, RecordingQueue } from "../batches/pipeline";
import { callsByMarker, loggedCalls } from "./fault-script";
import { expectConsistentResults, type FaultItem, faultItems, waitForEnd } from "./invariants";

/** Returns the POST /api/batches body that runs `items` inline. */
export function inlineRequest(items: FaultItem[]) {
  return { operation: "run", items: items.map(({ id, text }) => ({ id, text })) };
}

/** Submits `count` items as a batch whose queue messages are recorded instead of delivered. */
export async function submitRecorded(tag: string, count: number) {
  const items = faultItems(tag, count);
  const queue = new RecordingQueue();
  const testEnv = envWith({ BATCH_QUEUE: queue as unknown as Queue });
  const created = await fetchWith(testEnv, "POST", "/api/batches", inlineRequest(items));
  expect(created.status, created.text).toBe(201);
  return { id: created.json.id as string, items, ids: items.map((item) => item.id), queue, testEnv };
}

/**
 * Runs a batch through the real queue until it ends, which it must do without the
 * watchdog, and checks its results. Returns the batch, its JSONL records and the fake's
 * calls for each item, in input order.
 */
export async function runToEnd(tag: string, items: FaultItem[]) {
  const created = await createBatch(inlineRequest(items));
  const { watchdogRuns } = await waitForEnd(created.id);
  expect(watchdogRuns).toBe(0);
  const { batch, records } = await expectConsistentResults(
    created.id,
    items.map((item) => item.id),
  );

  const byMarker = callsByMarker(
    await loggedCalls(tag),
    items.map((item) => item.marker),
  );
  return { batch, records, calls: items.map((item) => byMarker.get(item.marker)!) };
}
