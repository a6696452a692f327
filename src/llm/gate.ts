// The pacing hook the model client calls around each request, so that every caller in
// the deployment shares one view of the provider's limits.
import type { ChatMessage } from "./types";

export interface RateGate {
  /** Reserves a start for a call of about `estimatedTokens`; returns milliseconds to wait. */
  reserve(estimatedTokens: number): Promise<number>;
  /** Corrects the schedule with the call's real token usage. */
  settle(estimatedTokens: number, actualTokens: number): Promise<void>;
  /** Reports a provider 429: hold every caller for `retryAfterMs` and slow down. */
  penalize(retryAfterMs: number): Promise<void>;
  /** Holds every caller for `ms` without slowing down (the provider's quota is spent). */
  hold(ms: number): Promise<void>;
}

/** Completion tokens assumed for a call that sets no max_tokens. */
const DEFAULT_COMPLETION_ESTIMATE = 256;

/** Estimates a call's tokens before it is made: about four characters a token, plus the completion. */
export function estimateTokens(messages: ChatMessage[], maxTokens: number | undefined): number {
  const characters = messages.reduce((sum, message) => sum + message.content.length, 0);
  return Math.ceil(characters / 4) + (maxTokens ?? DEFAULT_COMPLETION_ESTIMATE);
}
