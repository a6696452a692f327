import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { providerLimitStatus } from "../../src/ratelimit/gate";
import { callAppWith } from "../support/api";
import { fakeCalls, scriptFake, uniqueTag } from "../support/fake-llm";


describe("shared provider rate limit", () => {
  it("spaces sync calls to LLM_RPM", async () => {
    const tag = uniqueTag("rpm");
    const items = Array.from({ length: 6 }, (_, i) => ({ text: `${tag} item ${i}` }));
    const response = await callAppWith({ LLM_RPM: "120" }, "POST", "/api/completions/label", { categories: ["a", "b"], items });
    expect(response.status).toBe(200);
    expect(response.json.totals.succeeded).toBe(6);

    const starts = (await fakeCalls(tag)).map((call) => call.at).sort((a, b) => a - b);
    expect(starts).toHaveLength(6);
    // 120 requests per minute is one call every 500 ms; allow for timer jitter.
    for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBeGreaterThanOrEqual(450);
  });

  it("waits out 429s instead of failing the item", async () => {
    const tag = uniqueTag("burst");
    const tooMany = { status: 429, headers: { "retry-after-ms": "150" } };
    // More 429s than LLM_MAX_ATTEMPTS (3 in tests): without the shared limiter the item would fail.
    await scriptFake(tag, [tooMany, tooMany, tooMany, tooMany, { content: '{"label":"a"}' }]);
    const response = await callAppWith({ LLM_RPM: "6000" }, "POST", "/api/completions/label", {
      categories: ["a", "b"],
      items: [{ text: `${tag} one` }],
    });
    expect(response.status).toBe(200);
    expect(response.json.results[0].status).toBe("succeeded");
    expect(response.json.results[0].output).toEqual({ label: "a" });

    const calls = (await fakeCalls(tag)).map((call) => call.at);
    expect(calls).toHaveLength(5);
    for (let i = 1; i < calls.length; i++) expect(calls[i] - calls[i - 1]).toBeGreaterThanOrEqual(140);

    const status = await providerLimitStatus({ ...env, LLM_RPM: "6000" });
    expect(status?.rate_limited_responses).toBeGreaterThanOrEqual(4);
  });

  it("reports the limiter in a running batch's status", async () => {
    const tag = uniqueTag("status");
    await scriptFake(tag, [{ delay_ms: 2_000 }], true);
    const created = await callAppWith({ LLM_RPM: "60" }, "POST", "/api/batches", { operation: "summarize", items: [{ text: `${tag} x` }] });
    expect(created.status).toBe(201);
    const batch = await callAppWith({ LLM_RPM: "60" }, "GET", `/api/batches/${created.json.id}`);
    expect(batch.status).toBe(200);
    expect(batch.json.rate_limit.rpm).toBe(60);
    expect(typeof batch.json.rate_limit.waiting).toBe("number");
    expect(typeof batch.json.rate_limit.next_start_ms).toBe("number");

    const unlimited = await callAppWith({}, "GET", `/api/batches/${created.json.id}`);
    expect(unlimited.json.rate_limit).toBeUndefined();
  });
});
