import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { uniqueTag } from "../support/fake-llm";
import { scriptFaults } from "./fault-script";
import { faultItems } from "./invariants";
import { runToEnd } from "./submit";

const MAX_ATTEMPTS = Number(env.LLM_MAX_ATTEMPTS);
const TIMEOUT_MS = Number(env.LLM_TIMEOUT_MS);

/**
 * With this seed, the 80 prompts' draws give 22 items that succeed after a retry, 3 that
 * fail with provider_error and 3 with timeout, and 8 hung calls, on every run.
 */
const SEED = 3;
const ITEMS = 80;

describe("batch under provider 5xx and timeouts", () => {
  it("retries or fails every item, none lost", async () => {
    const tag = uniqueTag("provider-faults");
    const items = faultItems(tag, ITEMS);
    await scriptFaults(
      tag,
      [
        { share: 0.3, per_prompt: true, status: 503 },
        { share: 0.12, per_prompt: true, hang: true },
      ],
      SEED,
    );

    const { batch, records, calls } = await runToEnd(tag, items);
    expect(batch.status).toBe("completed");
    expect(JSON.stringify(records)).not.toContain(env.LLM_API_KEY);

    const outcomes = { first_call: 0, after_retry: 0, provider_error: 0, timeout: 0 };
    items.forEach((item, i) => {
      const itemCalls = calls[i];
      const record = records[i];
      const last = itemCalls[itemCalls.length - 1];
      // A normal completion ends the item, so only its last call may have escaped the faults.
      expect(
        itemCalls.slice(0, -1).filter((call) => call.fault === null),
        `item ${item.id}`,
      ).toEqual([]);
      expect(record.model_calls, `item ${item.id}`).toBe(1);

      if (record.status === "succeeded") {
        expect(last.fault, `item ${item.id}`).toBeNull();
        expect(itemCalls.length, `item ${item.id}`).toBeLessThanOrEqual(MAX_ATTEMPTS);
        outcomes[itemCalls.length === 1 ? "first_call" : "after_retry"]++;
      } else {
        expect(itemCalls, `item ${item.id}`).toHaveLength(MAX_ATTEMPTS);
        const code = last.fault?.hang ? "timeout" : "provider_error";
        expect(record.error.code, `item ${item.id}`).toBe(code);
        expect(record.usage, `item ${item.id}`).toEqual({ prompt_tokens: 0, completion_tokens: 0 });
        outcomes[code]++;
      }

      // A hung call is abandoned after LLM_TIMEOUT_MS, and only then is the next attempt sent.
      for (let k = 1; k < itemCalls.length; k++) {
        if (itemCalls[k - 1].fault?.hang) expect(itemCalls[k].at - itemCalls[k - 1].at, `item ${item.id}`).toBeGreaterThanOrEqual(TIMEOUT_MS);
      }
    });

    expect(outcomes).toEqual({ first_call: 52, after_retry: 22, provider_error: 3, timeout: 3 });
    expect(batch.request_counts.failed).toBe(6);
  });
});
