// The public schedule object and its recent runs, built from the D1 rows.
import type { ScheduleRow, ScheduleRunRow } from "../storage/schema/schedules";

export interface ScheduleRunObject {
  due_at: string;
  fired_at: string;
  /** Null while the run starts its batches, or when the invocation died before it recorded them. */
  finished_at: string | null;
  batch_ids: string[];
  notes: string[];
}

export interface ScheduleObject {
  id: string;
  object: "schedule";
  name: string;
  cron: string;
  batch: Record<string, unknown>;
  source: { file_id: string } | { prefix: string };
  paused: boolean;
  next_run_at: string | null;
  last_run_at: string | null;
  created_at: string;
  updated_at: string;
  runs?: ScheduleRunObject[];
}

export function runObject(run: ScheduleRunRow): ScheduleRunObject {
  return { due_at: run.dueAt, fired_at: run.firedAt, finished_at: run.finishedAt, batch_ids: run.batchIds, notes: run.notes };
}

/** Builds the schedule as the API returns it. Only routes that list runs pass `runs`, newest first. */
export function scheduleObject(row: ScheduleRow, runs?: ScheduleRunRow[]): ScheduleObject {
  return {
    id: row.id,
    object: "schedule",
    name: row.name,
    cron: row.cron,
    batch: JSON.parse(row.template) as Record<string, unknown>,
    source: row.fileId !== null ? { file_id: row.fileId } : { prefix: row.prefix ?? "" },
    paused: row.paused,
    next_run_at: row.nextRunAt,
    last_run_at: row.lastRunAt,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    ...(runs === undefined ? {} : { runs: runs.map(runObject) }),
  };
}
