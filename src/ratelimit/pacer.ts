// Pacing for a shared provider limit: requests per minute and tokens per minute.
// Each call reserves a start time; reservations are spaced so the deployment never
// exceeds either limit, and a provider 429 pushes every later start back.
// Pure logic: the clock is passed in.
import { PROVIDER_LIMIT_HEADROOM } from "../config/limits";

export interface PacerLimits {
  /** Requests per minute; 0 means unlimited. */
  rpm: number;
  /** Tokens per minute (prompt plus completion); 0 means unlimited. */
  tpm: number;
}

export interface Reservation {
  /** Epoch milliseconds at which the call may start. */
  startAt: number;
  /** Milliseconds the caller has to wait from `now`. */
  waitMs: number;
}

export interface PacerState {
  limits: PacerLimits;
  requestsFreeAt: number;
  tokensFreeAt: number;
  /** Multiplier on spacing after provider 429s; 1 means normal spacing. */
  slowdown: number;
  slowdownUntil: number;
  rateLimitedResponses: number;
}

const MINUTE_MS = 60_000;
/** The minute that spacing is computed over, stretched so that pacing stays under the limit. */
const PACED_MINUTE_MS = MINUTE_MS / PROVIDER_LIMIT_HEADROOM;
/** Spacing grows by this factor on each provider 429 and lasts one minute. */
const SLOWDOWN_STEP = 1.25;
const MAX_SLOWDOWN = 4;

export function createPacer(limits: PacerLimits): PacerState {
  return { limits, requestsFreeAt: 0, tokensFreeAt: 0, slowdown: 1, slowdownUntil: 0, rateLimitedResponses: 0 };
}

function slowdownAt(state: PacerState, now: number): number {
  return now < state.slowdownUntil ? state.slowdown : 1;
}

/** Reserves a start time for a call expected to use `estimatedTokens`. */
export function reserve(state: PacerState, estimatedTokens: number, now: number): Reservation {
  const factor = slowdownAt(state, now);
  let startAt = now;
  if (state.limits.rpm > 0) startAt = Math.max(startAt, state.requestsFreeAt);
  if (state.limits.tpm > 0) startAt = Math.max(startAt, state.tokensFreeAt);

  if (state.limits.rpm > 0) state.requestsFreeAt = startAt + (PACED_MINUTE_MS / state.limits.rpm) * factor;
  if (state.limits.tpm > 0) {
    state.tokensFreeAt = Math.max(state.tokensFreeAt, startAt) + (PACED_MINUTE_MS / state.limits.tpm) * estimatedTokens * factor;
  }
  return { startAt, waitMs: startAt - now };
}

/** Corrects the token schedule once the real usage of a call is known. */
export function settle(state: PacerState, estimatedTokens: number, actualTokens: number): void {
  if (state.limits.tpm <= 0) return;
  state.tokensFreeAt += (PACED_MINUTE_MS / state.limits.tpm) * (actualTokens - estimatedTokens);
}

/** Holds every start until `ms` from now, without slowing down afterwards. */
export function hold(state: PacerState, ms: number, now: number): void {
  state.requestsFreeAt = Math.max(state.requestsFreeAt, now + ms);
  state.tokensFreeAt = Math.max(state.tokensFreeAt, now + ms);
}

/** Records a provider 429: nothing starts before its retry-after, and spacing grows for a minute. */
export function penalize(state: PacerState, retryAfterMs: number, now: number): void {
  state.rateLimitedResponses++;
  const resumeAt = now + retryAfterMs;
  state.requestsFreeAt = Math.max(state.requestsFreeAt, resumeAt);
  state.tokensFreeAt = Math.max(state.tokensFreeAt, resumeAt);
  state.slowdown = Math.min(MAX_SLOWDOWN, slowdownAt(state, now) * SLOWDOWN_STEP);
  state.slowdownUntil = now + MINUTE_MS;
}
