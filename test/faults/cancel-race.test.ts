import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createBatch, getBatch } from "../batches/helpers";
import { deliver, drain, envWith } from "../batches/pipeline";
import { postJson } from "../support/api";
import { uniqueTag } from "../support/fake-llm";
import { hookedD1, isResultInsert, latch, swapCoordinatorEnv } from "./bindings";
import { callsByMarker, loggedCalls, scriptFaults, waitForCalls } from "./fault-script";
import { coordinator, expectConsistentResults, faultItems, waitForEnd } from "./invariants";
import { inlineRequest, submitRecorded } from "./submit";

/** Items per batch: more than one chunk's LLM_CONCURRENCY of 8, so some wait for a free slot. */
const ITEMS = 12;
const CALL_MS = 80;

/** Returns the cancel response's status and the batch status it reports, or the error code of a 409. */
async function cancel(id: string) {
  const response = await postJson(`/api/batches/${id}/cancel`, {});
  expect([200, 409], response.text).toContain(response.status);
  return { status: response.status, outcome: response.status === 200 ? response.json.status : response.json.error.code };
}

/**
 * Runs one small batch and cancels it once the fake has received `calls` of its calls
 * and `delayMs` more have passed, then checks the end state against the cancel response.
 */
async function cancelDuringRun(calls: number, delayMs: number) {
  const tag = uniqueTag(`cancel-race-${calls}-${delayMs}`);
  const items = faultItems(tag, ITEMS);
  await scriptFaults(tag, [{ delay_ms: CALL_MS }]);
  const created = await createBatch(inlineRequest(items));

  await waitForCalls(tag, calls);
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  const response = await cancel(created.id);

  const { batch, watchdogRuns } = await waitForEnd(created.id);
  const label = `cancel after ${calls} calls + ${delayMs} ms`;
  expect(watchdogRuns, label).toBe(0);
  expect(response.outcome, label).toBe(response.status === 200 ? "cancelling" : "batch_not_cancellable");
  expect(batch.status, label).toBe(response.status === 200 ? "cancelled" : "completed");
  const { records } = await expectConsistentResults(
    created.id,
    items.map((item) => item.id),
  );

  // The fake completes every call it receives, so an item with a call succeeded.
  // A cancelled item never reached the model.
  const byItem = callsByMarker(
    await loggedCalls(tag),
    items.map((item) => item.marker),
  );
  items.forEach((item, i) => {
    const expected = records[i].status === "succeeded" ? 1 : 0;
    expect(byItem.get(item.marker)!.length, `${label}, item ${item.id}`).toBe(expected);
    expect(["succeeded", "cancelled"], `${label}, item ${item.id}`).toContain(records[i].status);
  });
  return { status: batch.status as string, cancelled: batch.request_counts.cancelled as number };
}

describe("cancel racing completion", () => {
  it("cancel near the end never sticks", async () => {
    // From "every slot is busy" to "the last call has returned", in steps.
    const timings = [8, 10, 12].flatMap((calls) => [0, 20, 40, 60, 80, 100, 120].map((delayMs) => ({ calls, delayMs })));
    const outcomes = await Promise.all(timings.map(({ calls, delayMs }) => cancelDuringRun(calls, delayMs)));

    for (const outcome of outcomes) expect(["cancelled", "completed"]).toContain(outcome.status);
    // The sweep has to cover both sides of the race to mean anything.
    expect(outcomes.some((outcome) => outcome.status === "cancelled")).toBe(true);
    expect(outcomes.some((outcome) => outcome.status === "completed")).toBe(true);
  });

  it("cancel after the last write, before its report", async () => {
    const { id, ids, queue, testEnv } = await submitRecorded(uniqueTag("cancel-before-report"), ITEMS);
    await deliver(testEnv, queue.take());

    // The 12 results fit in one write, and the cancel lands right after it commits.
    let response: Awaited<ReturnType<typeof cancel>> | null = null;
    const db = hookedD1(env.DB, {
      after: async (sql) => {
        if (isResultInsert(sql) && response === null) response = await cancel(id);
      },
    });
    await drain(envWith({ ...testEnv, DB: db }), queue);

    expect(response).toEqual({ status: 200, outcome: "cancelling" });
    const { batch } = await expectConsistentResults(id, ids);
    // Every item had already run, so the cancel only changes the batch's final status.
    expect(batch.status).toBe("cancelled");
    expect(batch.request_counts.completed).toBe(ITEMS);
    expect(batch.request_counts.cancelled).toBe(0);
  });

  it("cancel while the final state is written", async () => {
    const { id, ids, queue, testEnv } = await submitRecorded(uniqueTag("cancel-while-finalizing"), ITEMS);

    const writing = latch();
    const writeGoes = latch();
    const db = hookedD1(env.DB, {
      before: async (sql) => {
        if (!sql.startsWith('update "batches"')) return;
        writing.open();
        await writeGoes.opened;
      },
    });
    await swapCoordinatorEnv(coordinator(id), { DB: db });
    await deliver(testEnv, queue.take());
    const run = drain(testEnv, queue);

    await writing.opened;
    expect((await getBatch(id)).status).toBe("finalizing");
    expect(await cancel(id)).toEqual({ status: 409, outcome: "batch_not_cancellable" });
    writeGoes.open();
    await run;

    const { batch } = await expectConsistentResults(id, ids);
    expect(batch.status).toBe("completed");
  });
});
