// When to retry a failed model call, and how long to wait first.
import { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai";
import { RETRY_AFTER_CAP_MS, RETRY_BASE_DELAY_MS, RETRY_MAX_DELAY_MS } from "../config/limits";

export type FailureKind = "rate_limited" | "server_error" | "timeout" | "connection" | "client_error";

/** Classifies an error thrown by the openai client. */
export function classifyFailure(error: unknown): FailureKind {
  // The timeout class extends the connection class, so it is checked first.
  if (error instanceof APIConnectionTimeoutError) return "timeout";
  if (error instanceof APIConnectionError) return "connection";
  if (error instanceof APIError) {
    if (error.status === 429) return "rate_limited";
    if (error.status === 408) return "timeout";
    if (error.status !== undefined && error.status >= 500) return "server_error";
    return "client_error";
  }
  return "connection";
}

/** 429, 5xx, timeouts and dropped connections are retried; other 4xx are final. */
export function isRetryable(kind: FailureKind): boolean {
  return kind !== "client_error";
}

/** Reads retry-after-ms, then retry-after (seconds or an HTTP date), in milliseconds. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = Number(headers.get("retry-after-ms"));
  if (headers.get("retry-after-ms") !== null && Number.isFinite(ms) && ms >= 0) return ms;

  const value = headers.get("retry-after");
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Returns the wait before retry number `attempt` (0-based): the server's retry-after
 * when it sent one (capped), else exponential backoff with equal jitter, a random
 * value between half the ceiling and the ceiling.
 */
export function retryDelayMs(attempt: number, serverDelayMs: number | undefined, random = Math.random): number {
  if (serverDelayMs !== undefined) return Math.min(serverDelayMs, RETRY_AFTER_CAP_MS);
  const ceiling = Math.min(RETRY_MAX_DELAY_MS, RETRY_BASE_DELAY_MS * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Parses an OpenAI-style reset duration such as "1s", "6m0s" or "250ms" into milliseconds. */
export function parseResetDuration(value: string | null): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let matched = "";
  for (const part of value.trim().matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(part[1]) * units[part[2]];
    matched += part[0];
  }
  return matched === value.trim() ? Math.ceil(total) : undefined;
}

/** Returns the maximum reset among the x-ratelimit-reset-* headers, in milliseconds. */
export function rateLimitResetMs(headers: Headers | undefined): number | undefined {
  if (!headers) return undefined;
  const resets = [headers.get("x-ratelimit-reset-requests"), headers.get("x-ratelimit-reset-tokens")]
    .map(parseResetDuration)
    .filter((ms): ms is number => ms !== undefined);
  return resets.length > 0 ? Math.max(...resets) : undefined;
}

/** Returns true when the response headers show no requests or tokens left in the provider's window. */
export function quotaExhausted(headers: Headers | undefined): boolean {
  if (!headers) return false;
  return headers.get("x-ratelimit-remaining-requests") === "0" || headers.get("x-ratelimit-remaining-tokens") === "0";
}
