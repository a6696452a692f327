// D1 queries of housekeeping. Each scan uses an index from migrations/0005_schedules.sql
// and repeats that index's expression or WHERE clause exactly, so SQLite can use it.
import { D1_MAX_BOUND_PARAMETERS } from "../config/limits";

/** The statuses of a finished batch, as the batches_unfinished index lists them. */
const UNFINISHED = "status NOT IN ('completed', 'failed', 'cancelled', 'expired')";

/** The time a batch finished, as the batches_finished index computes it. */
const FINISHED_AT = "coalesce(completed_at, failed_at, cancelled_at, expired_at)";

/** Reads a value that housekeeping keeps between ticks, such as a scan cursor. */
export async function readState(d1: D1Database, key: string): Promise<string | null> {
  const row = await d1.prepare("SELECT value FROM service_info WHERE key = ?").bind(key).first<{ value: string }>();
  return row?.value ?? null;
}

export async function writeState(d1: D1Database, key: string, value: string): Promise<void> {
  await d1.prepare("INSERT INTO service_info (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").bind(key, value).run();
}

/** Returns the ids of unfinished batches after `afterId`, in id order. */
export async function findUnfinishedBatches(d1: D1Database, afterId: string, limit: number): Promise<string[]> {
  const { results } = await d1
    .prepare(`SELECT id FROM batches WHERE ${UNFINISHED} AND id > ? ORDER BY id LIMIT ?`)
    .bind(afterId, limit)
    .all<{ id: string }>();
  return results.map((row) => row.id);
}

export interface ExpiredFile {
  id: string;
  tenant_id: string;
  r2_key: string;
}

/**
 * Returns files created before `cutoff`, oldest first, except those a fixed-file
 * schedule reads on every run and those an unfinished batch is still reading.
 */
export async function findExpiredFiles(d1: D1Database, cutoff: string, limit: number): Promise<ExpiredFile[]> {
  const { results } = await d1
    .prepare(
      `SELECT id, tenant_id, r2_key FROM files
       WHERE created_at < ?
         AND NOT EXISTS (SELECT 1 FROM schedules WHERE schedules.file_id = files.id)
         AND NOT EXISTS (SELECT 1 FROM batches WHERE batches.file_id = files.id AND batches.${UNFINISHED})
       ORDER BY created_at LIMIT ?`,
    )
    .bind(cutoff, limit)
    .all<ExpiredFile>();
  return results;
}

export async function deleteFileRows(d1: D1Database, ids: readonly string[]): Promise<void> {
  for (let start = 0; start < ids.length; start += D1_MAX_BOUND_PARAMETERS) {
    const slice = ids.slice(start, start + D1_MAX_BOUND_PARAMETERS);
    await d1
      .prepare(`DELETE FROM files WHERE id IN (${slice.map(() => "?").join(", ")})`)
      .bind(...slice)
      .run();
  }
}

/** Returns the ids of batches that finished before `cutoff`, oldest first. */
export async function findExpiredBatches(d1: D1Database, cutoff: string, limit: number): Promise<string[]> {
  const { results } = await d1
    .prepare(`SELECT id FROM batches WHERE ${FINISHED_AT} < ? ORDER BY ${FINISHED_AT} LIMIT ?`)
    .bind(cutoff, limit)
    .all<{ id: string }>();
  return results.map((row) => row.id);
}

/** Deletes up to `limit` rows of `table` that match `where`, and returns how many it deleted. */
async function deleteUpTo(d1: D1Database, table: "batch_results" | "schedule_runs", where: string, value: string, limit: number): Promise<number> {
  const result = await d1
    .prepare(`DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE ${where} LIMIT ?)`)
    .bind(value, limit)
    .run();
  return result.meta.changes;
}

/** Deletes up to `limit` result rows of a batch, and returns how many it deleted. */
export function deleteResultRows(d1: D1Database, batchId: string, limit: number): Promise<number> {
  return deleteUpTo(d1, "batch_results", "batch_id = ?", batchId, limit);
}

export async function deleteBatchRow(d1: D1Database, batchId: string): Promise<void> {
  await d1.prepare("DELETE FROM batches WHERE id = ?").bind(batchId).run();
}

/** Deletes up to `limit` schedule runs fired before `cutoff`, and returns how many it deleted. */
export function deleteOldRuns(d1: D1Database, cutoff: string, limit: number): Promise<number> {
  return deleteUpTo(d1, "schedule_runs", "fired_at < ?", cutoff, limit);
}
