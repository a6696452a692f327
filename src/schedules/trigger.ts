// The Worker's cron trigger (every minute, see wrangler.toml): fires due schedules,
// then does housekeeping. Both use the trigger's scheduled time as "now".
import type { Env } from "../env";
import { runHousekeeping } from "../housekeeping";
import { createLogger, errorFields } from "../log/logger";
import { fireDueSchedules } from "./fire";

export async function handleScheduled(controller: ScheduledController, env: Env): Promise<void> {
  const startedAt = Date.now();
  const now = new Date(controller.scheduledTime);
  const log = createLogger(env.LOG_LEVEL, { cron: controller.cron, scheduled_time: now.toISOString() });

  let schedules = null;
  try {
    schedules = await fireDueSchedules(env, now, log);
  } catch (error) {
    log.error("firing due schedules failed", errorFields(error));
  }
  const housekeeping = await runHousekeeping(env, now, log);
  log.info("cron tick finished", { schedules, housekeeping, duration_ms: Date.now() - startedAt });
}
