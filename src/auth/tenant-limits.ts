// Per-tenant limits applied after authentication: a request rate (TENANT_RPM) and a
// cap on unfinished batches (TENANT_MAX_RUNNING_BATCHES). The admin key is exempt.
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../api/context";
import { DEFAULT_TENANT_MAX_RUNNING_BATCHES, DEFAULT_TENANT_RPM } from "../config/limits";
import { BATCH_STATUSES, isTerminal } from "../batch/types";
import type { Env } from "../env";
import { ApiError } from "../errors";

function setting(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === "") return fallback;
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed >= 0 ? parsed : fallback;
}

function rateLimited(message: string, retryAfterSeconds: number): ApiError {
  return new ApiError(429, "rate_limit_error", "rate_limited", message, {
    headers: { "retry-after": String(Math.max(1, retryAfterSeconds)) },
  });
}

export function tenantRpm(env: Env): number {
  return setting(env.TENANT_RPM, DEFAULT_TENANT_RPM);
}

export const limitTenantRequests: MiddlewareHandler<AppEnv> = async (c, next) => {
  const perMinute = tenantRpm(c.env);
  if (c.get("isAdmin") || perMinute === 0) return next();

  const tenantId = c.get("tenantId");
  const limiter = c.env.TENANT_LIMITER.get(c.env.TENANT_LIMITER.idFromName(tenantId));
  const admission = await limiter.admit(perMinute);
  if (!admission.allowed) {
    c.get("log").warn("tenant request rate exceeded", { retry_after_ms: admission.retryAfterMs });
    throw rateLimited(
      `Too many requests: this API key's tenant may send ${perMinute} requests per minute. Retry after the time in the Retry-After header.`,
      Math.ceil(admission.retryAfterMs / 1000),
    );
  }
  return next();
};

const UNFINISHED = BATCH_STATUSES.filter((status) => !isTerminal(status));

/** Rejects a new batch while the tenant already has the maximum number unfinished. */
export const limitRunningBatches: MiddlewareHandler<AppEnv> = async (c, next) => {
  const cap = setting(c.env.TENANT_MAX_RUNNING_BATCHES, DEFAULT_TENANT_MAX_RUNNING_BATCHES);
  if (c.get("isAdmin") || cap === 0) return next();

  const placeholders = UNFINISHED.map(() => "?").join(", ");
  const row = await c.env.DB.prepare(`SELECT COUNT(*) AS running FROM batches WHERE tenant_id = ? AND status IN (${placeholders})`)
    .bind(c.get("tenantId"), ...UNFINISHED)
    .first<{ running: number }>();
  const running = row?.running ?? 0;
  if (running >= cap) {
    throw rateLimited(
      `This tenant has ${running} unfinished batches; the limit is ${cap}. Wait for one to finish or cancel one, then submit again.`,
      30,
    );
  }
  return next();
};
