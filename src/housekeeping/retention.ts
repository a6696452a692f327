// Retention on the cron trigger: deletes files, finished batches and schedule runs
// older than RETENTION_DAYS from R2 and D1, a bounded amount per tick. A batch goes
// entirely (results, R2 objects, coordinator state, then its row, so a batch cut short
// by the budget is found again on the next tick).
import {
  RETENTION_BATCHES_PER_TICK,
  RETENTION_FILES_PER_TICK,
  RETENTION_OBJECTS_PER_TICK,
  RETENTION_RESULT_ROWS_PER_TICK,
  RETENTION_RUNS_PER_TICK,
} from "../config/limits";
import type { Env } from "../env";
import type { Logger } from "../log/logger";
import { coordinatorFor } from "../batch/coordinator-stub";
import { deleteBatchRow, deleteFileRows, deleteOldRuns, deleteResultRows, findExpiredBatches, findExpiredFiles } from "./queries";

const DAY_MS = 86_400_000;

export interface RetentionSummary {
  cutoff: string;
  files_deleted: number;
  batches_deleted: number;
  result_rows_deleted: number;
  objects_deleted: number;
  runs_deleted: number;
  /** True when the tick's budget ran out with expired data left for the next tick. */
  more: boolean;
}

/** The remaining work one tick may do on finished batches. */
interface Budget {
  rows: number;
  objects: number;
}

async function deleteExpiredFiles(env: Env, cutoff: string): Promise<number> {
  const expired = await findExpiredFiles(env.DB, cutoff, RETENTION_FILES_PER_TICK);
  if (expired.length === 0) return 0;
  // The bytes go first: a row left behind by a failure here is found and deleted again.
  await env.FILES.delete(expired.map((file) => file.r2_key));
  await deleteFileRows(
    env.DB,
    expired.map((file) => file.id),
  );
  return expired.length;
}

/** Deletes a batch's result rows and R2 objects within the budget, and returns true once none are left. */
async function deleteBatchData(env: Env, batchId: string, budget: Budget, summary: RetentionSummary): Promise<boolean> {
  while (budget.rows > 0) {
    const requested = budget.rows;
    const deleted = await deleteResultRows(env.DB, batchId, requested);
    budget.rows -= deleted;
    summary.result_rows_deleted += deleted;
    if (deleted < requested) break;
  }
  if (budget.rows === 0) return false;

  while (budget.objects > 0) {
    const listed = await env.FILES.list({ prefix: `batches/${batchId}/`, limit: budget.objects });
    if (listed.objects.length > 0) await env.FILES.delete(listed.objects.map((object) => object.key));
    budget.objects -= listed.objects.length;
    summary.objects_deleted += listed.objects.length;
    if (!listed.truncated) return true;
  }
  return false;
}

/** Deletes expired data; `now` is the cron trigger's scheduled time. */
export async function applyRetention(env: Env, now: Date, retentionDays: number, log: Logger): Promise<RetentionSummary> {
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS).toISOString();
  const summary: RetentionSummary = {
    cutoff,
    files_deleted: 0,
    batches_deleted: 0,
    result_rows_deleted: 0,
    objects_deleted: 0,
    runs_deleted: 0,
    more: false,
  };

  summary.files_deleted = await deleteExpiredFiles(env, cutoff);
  summary.more = summary.files_deleted === RETENTION_FILES_PER_TICK;

  const budget: Budget = { rows: RETENTION_RESULT_ROWS_PER_TICK, objects: RETENTION_OBJECTS_PER_TICK };
  const batchIds = await findExpiredBatches(env.DB, cutoff, RETENTION_BATCHES_PER_TICK);
  for (const batchId of batchIds) {
    if (!(await deleteBatchData(env, batchId, budget, summary))) {
      summary.more = true;
      break;
    }
    await coordinatorFor(env, batchId).discard();
    await deleteBatchRow(env.DB, batchId);
    summary.batches_deleted++;
    log.info("expired batch deleted", { batch_id: batchId });
  }
  if (batchIds.length === RETENTION_BATCHES_PER_TICK) summary.more = true;

  summary.runs_deleted = await deleteOldRuns(env.DB, cutoff, RETENTION_RUNS_PER_TICK);
  if (summary.runs_deleted === RETENTION_RUNS_PER_TICK) summary.more = true;
  return summary;
}
