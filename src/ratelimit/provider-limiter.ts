// The Durable Object that paces every model call of the deployment against the
// provider's limits (LLM_RPM, LLM_TPM). One instance, named "global", serves the sync
// endpoints and every queue consumer.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { createPacer, hold, penalize, type PacerLimits, type PacerState, type Reservation, reserve, settle } from "./pacer";

export interface LimiterStatus {
  rpm: number;
  tpm: number;
  /** Calls holding a reservation whose start time has not come yet. */
  waiting: number;
  /** Milliseconds until a new call could start. */
  next_start_ms: number;
  rate_limited_responses: number;
}

export function readLimits(env: Env): { rpm: number; tpm: number } {
  const number = (value: string | undefined) => {
    const parsed = Number(value);
    return Number.isFinite(parsed) && parsed > 0 ? parsed : 0;
  };
  return { rpm: number(env.LLM_RPM), tpm: number(env.LLM_TPM) };
}

export class ProviderLimiter extends DurableObject<Env> {
  // NOTE: pacing state lives in memory; if the object is evicted, the schedule restarts empty.
  private pacer: PacerState = createPacer({ rpm: 0, tpm: 0 });
  private pendingStarts: number[] = [];

  /** Reserves a start; callers pass the limits they read from their own vars. */
  reserve(estimatedTokens: number, limits: PacerLimits): Reservation {
    this.pacer.limits = limits;
    const now = Date.now();
    const reservation = reserve(this.pacer, estimatedTokens, now);
    this.pendingStarts = this.pendingStarts.filter((at) => at > now);
    if (reservation.waitMs > 0) this.pendingStarts.push(reservation.startAt);
    return reservation;
  }

  settle(estimatedTokens: number, actualTokens: number): void {
    settle(this.pacer, estimatedTokens, actualTokens);
  }

  penalize(retryAfterMs: number): void {
    penalize(this.pacer, retryAfterMs, Date.now());
  }

  hold(ms: number): void {
    hold(this.pacer, ms, Date.now());
  }

  /** Returns the pacing state; `limits` are the caller's configured limits, as for reserve. */
  status(limits: PacerLimits): LimiterStatus {
    this.pacer.limits = limits;
    const now = Date.now();
    this.pendingStarts = this.pendingStarts.filter((at) => at > now);
    const nextStart = Math.max(this.pacer.requestsFreeAt, this.pacer.tokensFreeAt);
    return {
      rpm: limits.rpm,
      tpm: limits.tpm,
      waiting: this.pendingStarts.length,
      next_start_ms: Math.max(0, Math.round(nextStart - now)),
      rate_limited_responses: this.pacer.rateLimitedResponses,
    };
  }
}
