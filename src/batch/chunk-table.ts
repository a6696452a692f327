// The batch coordinator's table of chunks, in its SQLite storage: one row per chunk
// with its claim, its last sign of progress and its result tally from D1.
import type { ResultTally } from "../storage/results";
import type { ChunkRange } from "./types";

export type ChunkState = "pending" | "running" | "done";

export interface ChunkRow {
  n: number;
  start: number;
  count: number;
  state: ChunkState;
  /** The claim of the consumer working on the chunk, or null when no consumer is. */
  lease: string | null;
  /** Claims that went on to run items. A chunk past CHUNK_MAX_ATTEMPTS is given up. */
  attempts: number;
  /** Times a message for the chunk was sent. */
  enqueues: number;
  /** Epoch milliseconds of the last registration, claim, permit, heartbeat or report. */
  activity_at: number;
}

export interface ChunkTotals extends ResultTally {
  chunks: number;
  done_chunks: number;
}

export class ChunkTable {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS chunks (
      n INTEGER PRIMARY KEY,
      start INTEGER NOT NULL,
      count INTEGER NOT NULL,
      state TEXT NOT NULL DEFAULT 'pending',
      lease TEXT,
      attempts INTEGER NOT NULL DEFAULT 0,
      enqueues INTEGER NOT NULL DEFAULT 1,
      activity_at INTEGER NOT NULL,
      succeeded INTEGER NOT NULL DEFAULT 0,
      failed INTEGER NOT NULL DEFAULT 0,
      cancelled INTEGER NOT NULL DEFAULT 0,
      expired INTEGER NOT NULL DEFAULT 0,
      prompt_tokens INTEGER NOT NULL DEFAULT 0,
      completion_tokens INTEGER NOT NULL DEFAULT 0
    )`);
  }

  /** Registers chunks and returns how many were new. A chunk registered before keeps its state. */
  add(ranges: readonly ChunkRange[], now: number): number {
    let added = 0;
    for (const range of ranges) {
      const cursor = this.sql.exec(
        "INSERT INTO chunks (n, start, count, activity_at) VALUES (?, ?, ?, ?) ON CONFLICT (n) DO NOTHING",
        range.n,
        range.start,
        range.count,
        now,
      );
      added += cursor.rowsWritten > 0 ? 1 : 0;
    }
    return added;
  }

  get(n: number): ChunkRow | undefined {
    const rows = this.sql.exec("SELECT n, start, count, state, lease, attempts, enqueues, activity_at FROM chunks WHERE n = ?", n).toArray();
    return rows[0] as unknown as ChunkRow | undefined;
  }

  claim(n: number, lease: string, now: number, countAttempt: boolean): void {
    this.sql.exec(
      "UPDATE chunks SET state = 'running', lease = ?, activity_at = ?, attempts = attempts + ? WHERE n = ?",
      lease,
      now,
      countAttempt ? 1 : 0,
      n,
    );
  }

  touch(n: number, now: number): void {
    this.sql.exec("UPDATE chunks SET activity_at = ? WHERE n = ?", now, n);
  }

  /** Puts a running chunk back to pending so its next message can claim it at once. */
  release(n: number): void {
    this.sql.exec("UPDATE chunks SET state = 'pending', lease = NULL WHERE n = ? AND state = 'running'", n);
  }

  /**
   * Overwrites a chunk's tally and returns whether the chunk is done, which it is once every
   * item has a result. Result rows are only ever added, so a tally that counts fewer results
   * than the stored one was read earlier and is ignored. Such a tally comes from a consumer
   * that lost the chunk to another one and reports after it.
   */
  report(n: number, tally: ResultTally, now: number): boolean {
    this.sql.exec(
      `UPDATE chunks SET succeeded = ?, failed = ?, cancelled = ?, expired = ?, prompt_tokens = ?, completion_tokens = ?,
         activity_at = ?,
         state = CASE WHEN ? + ? + ? + ? >= count THEN 'done' ELSE state END,
         lease = CASE WHEN ? + ? + ? + ? >= count THEN NULL ELSE lease END
       WHERE n = ? AND ? + ? + ? + ? >= succeeded + failed + cancelled + expired`,
      tally.succeeded,
      tally.failed,
      tally.cancelled,
      tally.expired,
      tally.prompt_tokens,
      tally.completion_tokens,
      now,
      ...[tally.succeeded, tally.failed, tally.cancelled, tally.expired],
      ...[tally.succeeded, tally.failed, tally.cancelled, tally.expired],
      n,
      ...[tally.succeeded, tally.failed, tally.cancelled, tally.expired],
    );
    return this.get(n)?.state === "done";
  }

  /**
   * Lists up to `limit` chunk positions in index order, starting with the chunk that
   * contains item `index` (or the first one after it).
   */
  rangesFrom(index: number, limit: number): ChunkRange[] {
    return this.sql
      .exec("SELECT n, start, count FROM chunks WHERE start + count > ? ORDER BY n LIMIT ?", index, limit)
      .toArray() as unknown as ChunkRange[];
  }

  totals(): ChunkTotals {
    const row = this.sql
      .exec<Record<string, number>>(
        `SELECT count(*) AS chunks,
           coalesce(sum(state = 'done'), 0) AS done_chunks,
           coalesce(sum(succeeded), 0) AS succeeded, coalesce(sum(failed), 0) AS failed,
           coalesce(sum(cancelled), 0) AS cancelled, coalesce(sum(expired), 0) AS expired,
           coalesce(sum(prompt_tokens), 0) AS prompt_tokens, coalesce(sum(completion_tokens), 0) AS completion_tokens
         FROM chunks`,
      )
      .one();
    return row as unknown as ChunkTotals;
  }

  /** Returns the latest activity of any chunk, or 0 without chunks. */
  lastActivity(): number {
    return Number(this.sql.exec<{ at: number | null }>("SELECT max(activity_at) AS at FROM chunks").one().at ?? 0);
  }

  /** Lists chunks in `state` whose last activity is before `before`, at most `limit`. */
  idle(state: ChunkState, before: number, limit: number): ChunkRow[] {
    return this.sql
      .exec(
        "SELECT n, start, count, state, lease, attempts, enqueues, activity_at FROM chunks WHERE state = ? AND activity_at < ? ORDER BY n LIMIT ?",
        state,
        before,
        limit,
      )
      .toArray() as unknown as ChunkRow[];
  }

  /** Marks chunks as re-enqueued: pending, unclaimed, with fresh activity. */
  markEnqueued(ns: readonly number[], now: number): void {
    for (const n of ns) {
      this.sql.exec("UPDATE chunks SET state = 'pending', lease = NULL, enqueues = enqueues + 1, activity_at = ? WHERE n = ?", now, n);
    }
  }
}
