// The Worker entry point: the HTTP API, the queue consumer and the cron trigger.
import { app } from "./app";
import { handleBatchQueue } from "./batch/consumer";
import type { Env } from "./env";
import { handleScheduled } from "./schedules/trigger";

export { BatchCoordinator } from "./batch/coordinator";
export { ProviderLimiter } from "./ratelimit/provider-limiter";
export { TenantLimiter } from "./ratelimit/tenant-limiter";

export default {
  fetch: app.fetch,
  queue: handleBatchQueue,
  scheduled: handleScheduled,
} satisfies ExportedHandler<Env>;
