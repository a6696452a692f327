// Housekeeping on the cron trigger: re-checks unfinished batches, then applies retention.
// Each step is bounded per tick and runs even when the other fails.
import { readRetentionDays } from "../config/settings";
import type { Env } from "../env";
import { errorFields, type Logger } from "../log/logger";
import { type RecheckSummary, recheckUnfinishedBatches } from "./batches";
import { applyRetention, type RetentionSummary } from "./retention";

export interface HousekeepingSummary {
  recheck: RecheckSummary | null;
  /** Null when the step failed or RETENTION_DAYS is invalid. */
  retention: RetentionSummary | null;
}

export async function runHousekeeping(env: Env, now: Date, log: Logger): Promise<HousekeepingSummary> {
  const summary: HousekeepingSummary = { recheck: null, retention: null };
  try {
    summary.recheck = await recheckUnfinishedBatches(env, log);
  } catch (error) {
    log.error("re-checking unfinished batches failed", errorFields(error));
  }

  const retentionDays = readRetentionDays(env);
  if (retentionDays === null) {
    log.error("RETENTION_DAYS is invalid, so nothing is deleted. Set it to a whole number of days.", { value: env.RETENTION_DAYS });
    return summary;
  }
  try {
    summary.retention = await applyRetention(env, now, retentionDays, log);
  } catch (error) {
    log.error("applying retention failed", errorFields(error));
  }
  return summary;
}
