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
