import { describe, expect, it } from "vitest";
import { PROVIDER_LIMIT_HEADROOM } from "../../src/config/limits";
import { createPacer, penalize, reserve, settle } from "../../src/ratelimit/pacer";

/** The spacing the pacer uses for `perMinute` units: a minute stretched by the headroom. */
const spacing = (perMinute: number) => 60_000 / PROVIDER_LIMIT_HEADROOM / perMinute;

describe("pacer", () => {
  it("spaces requests to the requests-per-minute limit", () => {
    const pacer = createPacer({ rpm: 60, tpm: 0 });
    const starts = Array.from({ length: 5 }, () => reserve(pacer, 100, 1_000).startAt);
    const gap = spacing(60);
    expect(gap).toBeGreaterThan(1_000);
    starts.forEach((start, i) => expect(start).toBeCloseTo(1_000 + i * gap));
  });

  it("never admits more than the limit in any minute", () => {
    const pacer = createPacer({ rpm: 120, tpm: 0 });
    const starts = Array.from({ length: 600 }, (_, i) => reserve(pacer, 10, i * 10).startAt);
    for (let i = 0; i + 120 < starts.length; i++) {
      expect(starts[i + 120] - starts[i]).toBeGreaterThanOrEqual(60_000);
    }
  });

  it("spaces by tokens and corrects with real usage", () => {
    const pacer = createPacer({ rpm: 0, tpm: 6_000 });
    const perToken = spacing(6_000);
    expect(reserve(pacer, 1_000, 0).startAt).toBe(0);
    expect(reserve(pacer, 1_000, 0).startAt).toBeCloseTo(1_000 * perToken);
    settle(pacer, 1_000, 100);
    expect(reserve(pacer, 1_000, 0).startAt).toBeCloseTo(1_100 * perToken);
  });

  it("does not wait when unlimited", () => {
    const pacer = createPacer({ rpm: 0, tpm: 0 });
    expect(reserve(pacer, 1_000_000, 5).waitMs).toBe(0);
    expect(reserve(pacer, 1_000_000, 5).waitMs).toBe(0);
  });

  it("holds every start until a 429's retry-after and slows down", () => {
    const pacer = createPacer({ rpm: 60, tpm: 0 });
    reserve(pacer, 1, 0);
    penalize(pacer, 5_000, 100);
    const first = reserve(pacer, 1, 200);
    expect(first.startAt).toBe(5_100);
    const second = reserve(pacer, 1, 200);
    expect(second.startAt - first.startAt).toBeCloseTo(spacing(60) * 1.25);
    expect(pacer.rateLimitedResponses).toBe(1);
  });
});
