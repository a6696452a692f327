// The Durable Object, one per tenant, that enforces the tenant's API request rate
// (TENANT_RPM) with a token bucket: a full minute's worth may arrive in a burst.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";

export interface Admission {
  allowed: boolean;
  /** Milliseconds until one more request would be admitted; 0 when allowed. */
  retryAfterMs: number;
}

export interface BucketState {
  tokens: number;
  updatedAt: number;
}

/** Refills the bucket for the time passed and takes one token if there is one. Pure. */
export function takeToken(bucket: BucketState, perMinute: number, now: number): Admission {
  const refill = ((now - bucket.updatedAt) / 60_000) * perMinute;
  bucket.tokens = Math.min(perMinute, bucket.tokens + refill);
  bucket.updatedAt = now;
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return { allowed: true, retryAfterMs: 0 };
  }
  return { allowed: false, retryAfterMs: Math.ceil(((1 - bucket.tokens) / perMinute) * 60_000) };
}

export class TenantLimiter extends DurableObject<Env> {
  private bucket: BucketState | null = null;

  admit(perMinute: number): Admission {
    const now = Date.now();
    // NOTE: the bucket lives in memory; an evicted object starts again with a full bucket.
    this.bucket ??= { tokens: perMinute, updatedAt: now };
    return takeToken(this.bucket, perMinute, now);
  }
}
