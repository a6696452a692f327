// Fires due schedules on the cron trigger. Each due time is claimed once (see
// claimDueRun), its batches are started, and the run records what it did.
import { SCHEDULES_PER_TICK } from "../config/limits";
import type { Env } from "../env";
import { errorFields, type Logger } from "../log/logger";
import { type Database, openDatabase } from "../storage/db";
import type { ScheduleRow } from "../storage/schema/schedules";
import { claimDueRun, findDueSchedules, finishRun } from "../storage/schedules";
import { nextRun, parseCron } from "./cron";
import { type RunOutcome, startRun } from "./inputs";

export interface FireSummary {
  /** Due schedules read this tick, at most SCHEDULES_PER_TICK. */
  due: number;
  /** Runs this tick claimed and recorded. */
  fired: number;
  /** Due times another tick claimed first. */
  already_claimed: number;
  /** Schedules whose run failed before it recorded its outcome. */
  errors: number;
  batches_started: number;
}

/**
 * Claims the schedule's due time and starts its batches. A due time missed while the
 * Worker was down fires once, and next_run_at moves to the first match after `now`.
 * Returns null when another tick claimed the due time first.
 */
async function fireSchedule(env: Env, db: Database, schedule: ScheduleRow, now: Date, log: Logger): Promise<RunOutcome | null> {
  const dueAt = schedule.nextRunAt!;
  const next = nextRun(parseCron(schedule.cron), now)?.toISOString() ?? null;
  if (!(await claimDueRun(env.DB, schedule.id, dueAt, next, new Date().toISOString()))) return null;
  // NOTE: an invocation that dies from here to finishRun loses this due time (at most once), and its run keeps finished_at null.

  let outcome: RunOutcome;
  try {
    outcome = await startRun(env, db, schedule, dueAt, log);
  } catch (error) {
    log.error("schedule run failed", { due_at: dueAt, ...errorFields(error) });
    outcome = { batchIds: [], notes: [`The run failed with an internal error; the service logs have it under schedule ${schedule.id}.`] };
  }
  await finishRun(db, schedule.id, dueAt, outcome, new Date().toISOString());
  log.info("schedule fired", { due_at: dueAt, next_run_at: next, batch_ids: outcome.batchIds, notes: outcome.notes.length });
  return outcome;
}

/** Fires the schedules due at `now` (the cron trigger's scheduled time), oldest due first. */
export async function fireDueSchedules(env: Env, now: Date, log: Logger): Promise<FireSummary> {
  const db = openDatabase(env.DB);
  const due = await findDueSchedules(db, now.toISOString(), SCHEDULES_PER_TICK);
  const summary: FireSummary = { due: due.length, fired: 0, already_claimed: 0, errors: 0, batches_started: 0 };

  for (const schedule of due) {
    const scheduleLog = log.child({ schedule_id: schedule.id, tenant_id: schedule.tenantId });
    try {
      const outcome = await fireSchedule(env, db, schedule, now, scheduleLog);
      if (outcome === null) {
        summary.already_claimed++;
        continue;
      }
      summary.fired++;
      summary.batches_started += outcome.batchIds.length;
    } catch (error) {
      // A failed claim leaves the schedule due for the next tick. A failed run record leaves its finished_at null.
      summary.errors++;
      scheduleLog.error("firing a schedule failed", errorFields(error));
    }
  }
  return summary;
}
