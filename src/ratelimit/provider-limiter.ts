// The Durable Object that paces every model call of the deployment against the
// provider's limits (LLM_RPM, LLM_TPM). One instance, named "global", serves the sync
// endpoints and every queue consumer.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { createPacer, penalize, type PacerState, type Reservation, reserve, settle } from "./pacer";

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
  private pacer: PacerState;
  private pendingStarts: number[] = [];

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // NOTE: pacing state lives in memory; if the object is evicted, the schedule restarts empty.
    this.pacer = createPacer(readLimits(env));
  }

  reserve(estimatedTokens: number): Reservation {
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

  status(): LimiterStatus {
    const now = Date.now();
    this.pendingStarts = this.pendingStarts.filter((at) => at > now);
    const nextStart = Math.max(this.pacer.requestsFreeAt, this.pacer.tokensFreeAt);
    return {
      rpm: this.pacer.limits.rpm,
      tpm: this.pacer.limits.tpm,
      waiting: this.pendingStarts.length,
      next_start_ms: Math.max(0, nextStart - now),
      rate_limited_responses: this.pacer.rateLimitedResponses,
    };
  }
}
