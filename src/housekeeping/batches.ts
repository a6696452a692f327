// Re-checks unfinished batches on the cron trigger: each coordinator runs its watchdog
// now if its alarm was lost, which expires a batch past its window and re-enqueues
// stalled work. A page of batches per tick, resuming where the previous tick stopped.
import { RECHECK_BATCHES_PER_TICK } from "../config/limits";
import type { Env } from "../env";
import { errorFields, type Logger } from "../log/logger";
import { coordinatorFor } from "../batch/coordinator-stub";
import { findUnfinishedBatches, readState, writeState } from "./queries";

/** The service_info key of the last batch id re-checked. An empty or absent value starts from the first batch. */
const CURSOR_KEY = "housekeeping.recheck_cursor";

export interface RecheckSummary {
  checked: number;
  /** Batches whose watchdog had to run because its alarm was missing or late. */
  recovered: string[];
  /** Batches with a row but no coordinator state. */
  without_coordinator: string[];
  errors: number;
}

export async function recheckUnfinishedBatches(env: Env, log: Logger): Promise<RecheckSummary> {
  const cursor = (await readState(env.DB, CURSOR_KEY)) ?? "";
  const ids = await findUnfinishedBatches(env.DB, cursor, RECHECK_BATCHES_PER_TICK);
  await writeState(env.DB, CURSOR_KEY, ids.length < RECHECK_BATCHES_PER_TICK ? "" : ids[ids.length - 1]);

  const summary: RecheckSummary = { checked: ids.length, recovered: [], without_coordinator: [], errors: 0 };
  for (const id of ids) {
    try {
      const result = await coordinatorFor(env, id).recheck();
      if (result.ran) summary.recovered.push(id);
      if (result.status === null) summary.without_coordinator.push(id);
    } catch (error) {
      summary.errors++;
      log.error("re-checking a batch failed", { batch_id: id, ...errorFields(error) });
    }
  }
  if (summary.without_coordinator.length > 0) {
    // NOTE: such a row keeps its last status, and nothing here can finish it.
    log.warn("unfinished batches without coordinator state", { batch_ids: summary.without_coordinator });
  }
  return summary;
}
