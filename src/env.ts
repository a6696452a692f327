// The Worker's bindings and vars, as wrangler.toml and .dev.vars declare them.
import type { BatchCoordinator } from "./batch/coordinator";
import type { ProviderLimiter } from "./ratelimit/provider-limiter";
import type { TenantLimiter } from "./ratelimit/tenant-limiter";

export interface Env {
  DB: D1Database;
  FILES: R2Bucket;
  BATCH_QUEUE: Queue;
  BATCH_COORDINATOR: DurableObjectNamespace<BatchCoordinator>;
  PROVIDER_LIMITER: DurableObjectNamespace<ProviderLimiter>;
  TENANT_LIMITER: DurableObjectNamespace<TenantLimiter>;

  LLM_BASE_URL?: string;
  LLM_API_KEY?: string;
  LLM_MODEL?: string;
  LLM_TIMEOUT_MS?: string;
  LLM_CONCURRENCY?: string;
  LLM_MAX_ATTEMPTS?: string;
  LLM_STRUCTURED_OUTPUT?: string;
  LOG_LEVEL?: string;
  ADMIN_API_KEY?: string;
  TENANT_RPM?: string;
  TENANT_MAX_RUNNING_BATCHES?: string;
  LLM_RPM?: string;
  LLM_TPM?: string;
  RETENTION_DAYS?: string;
}
