// The batches one schedule run starts: one for a fixed file, or one per new file of a
// prefix source. Idempotency keys make a repeated start return the batch it made first.
import { SCHEDULE_FILES_PER_RUN } from "../config/limits";
import type { Env } from "../env";
import { ApiError } from "../errors";
import type { Logger } from "../log/logger";
import { submitBatch } from "../batch/submit";
import type { Database } from "../storage/db";
import type { FileRow } from "../storage/schema/files";
import type { ScheduleRow } from "../storage/schema/schedules";
import { advanceWatermark, findFilesAfter } from "../storage/schedules";

/** The outcome of one run: the batches it started, and notes on why it started no others. */
export interface RunOutcome {
  batchIds: string[];
  notes: string[];
}

/** Starts one batch over `fileId`. An ApiError (a deleted file, a missing column) is returned as the problem instead. */
async function startBatch(env: Env, schedule: ScheduleRow, fileId: string, key: string, log: Logger) {
  const template = JSON.parse(schedule.template) as Record<string, unknown>;
  try {
    const { row, replayed } = await submitBatch(env, schedule.tenantId, { ...template, file_id: fileId }, key, log);
    return { batchId: row.id, replayed, problem: null };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    log.warn("scheduled batch not started", { file_id: fileId, code: error.code, reason: error.message });
    return { batchId: null, replayed: false, problem: error };
  }
}

async function startFixedFileRun(env: Env, schedule: ScheduleRow, fileId: string, dueAt: string, log: Logger): Promise<RunOutcome> {
  const started = await startBatch(env, schedule, fileId, `schedule:${schedule.id}:${dueAt}`, log);
  if (started.batchId === null) return { batchIds: [], notes: [`No batch started: ${started.problem!.message}`] };
  return { batchIds: [started.batchId], notes: [] };
}

function describeFile(file: FileRow): string {
  return `File ${file.id} ("${file.filename}")`;
}

async function startPrefixRun(env: Env, db: Database, schedule: ScheduleRow, prefix: string, log: Logger): Promise<RunOutcome> {
  const position = { createdAt: schedule.watermarkAt, id: schedule.watermarkFileId };
  const found = await findFilesAfter(db, schedule.tenantId, prefix, position, SCHEDULE_FILES_PER_RUN + 1);
  const selected = found.slice(0, SCHEDULE_FILES_PER_RUN);
  if (selected.length === 0) {
    return { batchIds: [], notes: [`No new input: no file whose name starts with "${prefix}" was uploaded after ${schedule.watermarkAt}.`] };
  }

  const outcome: RunOutcome = { batchIds: [], notes: [] };
  for (const file of selected) {
    // One key per file, so runs that overlap never start a second batch for the same file.
    const started = await startBatch(env, schedule, file.id, `schedule:${schedule.id}:file:${file.id}`, log);
    if (started.batchId !== null && !started.replayed) {
      outcome.batchIds.push(started.batchId);
    } else if (started.replayed || started.problem?.code === "idempotency_key_reused") {
      outcome.notes.push(`${describeFile(file)} already has a batch from an earlier run.`);
    } else {
      outcome.notes.push(`${describeFile(file)}: no batch started: ${started.problem!.message}`);
    }
  }

  const last = selected[selected.length - 1];
  await advanceWatermark(db, schedule.id, { createdAt: last.createdAt, id: last.id });
  if (found.length > selected.length) {
    outcome.notes.push(`More than ${SCHEDULE_FILES_PER_RUN} new files matched; the rest start on the next run.`);
  }
  return outcome;
}

/** Starts the batches of one claimed run of `schedule`. */
export function startRun(env: Env, db: Database, schedule: ScheduleRow, dueAt: string, log: Logger): Promise<RunOutcome> {
  if (schedule.fileId !== null) return startFixedFileRun(env, schedule, schedule.fileId, dueAt, log);
  return startPrefixRun(env, db, schedule, schedule.prefix!, log);
}
