import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { uniqueTag } from "../support/fake-llm";
import { scriptFaults } from "./fault-script";
import { faultItems } from "./invariants";
import { runToEnd } from "./submit";

/** Longer than the client's own backoff before a second attempt (at most 500 ms), so only retry-after explains the wait. */
const RETRY_AFTER_MS = 1_100;
const ITEMS = 40;

describe("batch under a burst of 429s", () => {
  it("waits out retry-after, then succeeds", async () => {
    const tag = uniqueTag("rate-limit-burst");
    const items = faultItems(tag, ITEMS);
    // Each item's first call gets a 429. retry-after is 3 s, but the more precise
    // retry-after-ms, which the client prefers, is 1.1 s.
    await scriptFaults(tag, [{ first: 1, per_prompt: true, status: 429, headers: { "retry-after": "3", "retry-after-ms": String(RETRY_AFTER_MS) } }]);

    const { batch, records, calls } = await runToEnd(tag, items);
    expect(batch.status).toBe("completed");
    expect(batch.request_counts.completed).toBe(ITEMS);

    const gaps = items.map((item, i) => {
      const [limited, retry] = calls[i];
      expect(
        calls[i].map((call) => call.fault?.status ?? 200),
        `item ${item.id}`,
      ).toEqual([429, 200]);
      expect(records[i].model_calls, `item ${item.id}`).toBe(1);
      expect(retry.at - limited.at, `item ${item.id}`).toBeGreaterThanOrEqual(RETRY_AFTER_MS);
      return retry.at - limited.at;
    });

    // The burst: one chunk's LLM_CONCURRENCY first calls all get their 429 before any retry arrives.
    const firstRetryAt = Math.min(...calls.map(([, retry]) => retry.at));
    const burst = calls.flat().filter((call) => call.at < firstRetryAt && call.fault?.status === 429);
    expect(burst.length).toBeGreaterThanOrEqual(Number(env.LLM_CONCURRENCY));
    // retry-after-ms wins over the coarser retry-after: retries come well before 3 s.
    expect(Math.max(...gaps)).toBeLessThan(3_000);
  });
});
