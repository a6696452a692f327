// Queries on schedules and schedule_runs: CRUD scoped to a tenant, the due-time claim
// the cron trigger makes, and the keyset scan of a prefix source's new files.
import { and, asc, count, desc, eq, gt, lt, lte, or, sql } from "drizzle-orm";
import type { Database } from "./db";
import { files, type FileRow } from "./schema/files";
import { type NewScheduleRow, type ScheduleRow, type ScheduleRunRow, scheduleRuns, schedules } from "./schema/schedules";

export async function insertSchedule(db: Database, row: NewScheduleRow): Promise<void> {
  await db.insert(schedules).values(row);
}

export async function countSchedules(db: Database, tenantId: string): Promise<number> {
  const row = await db.select({ n: count() }).from(schedules).where(eq(schedules.tenantId, tenantId)).get();
  return row?.n ?? 0;
}

export async function findSchedule(db: Database, id: string, tenantId: string): Promise<ScheduleRow | undefined> {
  return db
    .select()
    .from(schedules)
    .where(and(eq(schedules.id, id), eq(schedules.tenantId, tenantId)))
    .get();
}

/** Lists a tenant's schedules, newest first. Ids sort by creation time, so `afterId` is the cursor. */
export async function listSchedules(db: Database, tenantId: string, limit: number, afterId?: string): Promise<ScheduleRow[]> {
  const after = afterId === undefined ? undefined : lt(schedules.id, afterId);
  return db
    .select()
    .from(schedules)
    .where(and(eq(schedules.tenantId, tenantId), after))
    .orderBy(desc(schedules.id))
    .limit(limit);
}

export type ScheduleChanges = Partial<Pick<NewScheduleRow, "name" | "cron" | "template" | "fileId" | "prefix" | "paused" | "nextRunAt" | "watermarkAt" | "watermarkFileId">>;

/** Applies `changes` and stamps updated_at. Returns the new row, or undefined when the schedule is gone. */
export async function updateSchedule(db: Database, id: string, tenantId: string, changes: ScheduleChanges, now: string): Promise<ScheduleRow | undefined> {
  const rows = await db
    .update(schedules)
    .set({ ...changes, updatedAt: now })
    .where(and(eq(schedules.id, id), eq(schedules.tenantId, tenantId)))
    .returning();
  return rows[0];
}

/** Deletes a schedule and its runs, and returns false when no such schedule exists. */
export async function deleteSchedule(db: Database, id: string, tenantId: string): Promise<boolean> {
  const [deleted] = await db.batch([
    db
      .delete(schedules)
      .where(and(eq(schedules.id, id), eq(schedules.tenantId, tenantId)))
      .returning({ id: schedules.id }),
    db.delete(scheduleRuns).where(and(eq(scheduleRuns.scheduleId, id), sql`NOT EXISTS (SELECT 1 FROM schedules WHERE id = ${id})`)),
  ]);
  return deleted.length === 1;
}

export async function listRecentRuns(db: Database, scheduleId: string, limit: number): Promise<ScheduleRunRow[]> {
  return db.select().from(scheduleRuns).where(eq(scheduleRuns.scheduleId, scheduleId)).orderBy(desc(scheduleRuns.dueAt)).limit(limit);
}

/** Returns active schedules whose next run is at or before `now`, most overdue first. */
export async function findDueSchedules(db: Database, now: string, limit: number): Promise<ScheduleRow[]> {
  return db
    .select()
    .from(schedules)
    .where(and(eq(schedules.paused, false), lte(schedules.nextRunAt, now)))
    .orderBy(asc(schedules.nextRunAt))
    .limit(limit);
}

/**
 * Claims the due time `dueAt` of a schedule in one transaction: records the run, if the
 * schedule is still active and still due at `dueAt` and no run exists for that time, and
 * moves next_run_at on by compare-and-set. Returns true only for the caller that recorded
 * the run, so a tick that runs twice or overlaps itself fires each due time once.
 */
export async function claimDueRun(d1: D1Database, scheduleId: string, dueAt: string, nextRunAt: string | null, firedAt: string): Promise<boolean> {
  const [recorded] = await d1.batch([
    d1
      .prepare(
        `INSERT INTO schedule_runs (schedule_id, due_at, fired_at, finished_at, batch_ids, notes)
         SELECT id, next_run_at, ?, NULL, '[]', '[]' FROM schedules WHERE id = ? AND next_run_at = ? AND paused = 0
         ON CONFLICT DO NOTHING`,
      )
      .bind(firedAt, scheduleId, dueAt),
    d1
      .prepare("UPDATE schedules SET next_run_at = ?, last_run_at = ? WHERE id = ? AND next_run_at = ? AND paused = 0")
      .bind(nextRunAt, dueAt, scheduleId, dueAt),
  ]);
  return recorded.meta.changes === 1;
}

export async function finishRun(db: Database, scheduleId: string, dueAt: string, outcome: { batchIds: string[]; notes: string[] }, finishedAt: string): Promise<void> {
  await db
    .update(scheduleRuns)
    .set({ batchIds: outcome.batchIds, notes: outcome.notes, finishedAt })
    .where(and(eq(scheduleRuns.scheduleId, scheduleId), eq(scheduleRuns.dueAt, dueAt)));
}

/** A position in a tenant's uploads ordered by (created_at, id). */
export interface FilePosition {
  createdAt: string;
  id: string;
}

/** Returns up to `limit` of the tenant's files after `position` whose filename starts with `prefix`, oldest first. */
export async function findFilesAfter(db: Database, tenantId: string, prefix: string, position: FilePosition, limit: number): Promise<FileRow[]> {
  const after = or(gt(files.createdAt, position.createdAt), and(eq(files.createdAt, position.createdAt), gt(files.id, position.id)));
  // substr() compares the prefix literally, where LIKE would treat % and _ as wildcards.
  // It counts characters (code points), so the length is counted the same way here.
  const named = sql`substr(${files.filename}, 1, ${[...prefix].length}) = ${prefix}`;
  return db
    .select()
    .from(files)
    .where(and(eq(files.tenantId, tenantId), after, named))
    .orderBy(asc(files.createdAt), asc(files.id))
    .limit(limit);
}

/**
 * Moves a prefix source's watermark forward to `position`, never back, when runs overlap.
 * NOTE: an upload stamps created_at just before it writes its row, so a run that reads in
 * between, while a later-stamped file is visible, moves past the earlier file for good.
 */
export async function advanceWatermark(db: Database, scheduleId: string, position: FilePosition): Promise<void> {
  const behind = or(
    lt(schedules.watermarkAt, position.createdAt),
    and(eq(schedules.watermarkAt, position.createdAt), lt(schedules.watermarkFileId, position.id)),
  );
  await db
    .update(schedules)
    .set({ watermarkAt: position.createdAt, watermarkFileId: position.id })
    .where(and(eq(schedules.id, scheduleId), behind));
}
