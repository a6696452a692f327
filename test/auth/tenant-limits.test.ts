import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { takeToken } from "../../src/ratelimit/tenant-limiter";
import { callAppWith, createTenantKey } from "../support/api";
import { scriptFake, uniqueTag } from "../support/fake-llm";

function tenantKey(): Promise<string> {
  return createTenantKey(uniqueTag("limits"));
}


describe("tenant request rate", () => {
  it("answers 429 with Retry-After past the per-minute limit", async () => {
    const key = await tenantKey();
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof callAppWith>> | undefined;
    for (let i = 0; i < 4; i++) {
      const response = await callAppWith({ TENANT_RPM: "3" }, "GET", "/api/files", undefined, key);
      statuses.push(response.status);
      if (response.status === 429) limited = response;
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(limited?.json.error.code).toBe("rate_limited");
    expect(limited?.json.error.message).toContain("3 requests per minute");
    expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });

  it("refills the bucket over time", () => {
    const bucket = { tokens: 0, updatedAt: 0 };
    expect(takeToken(bucket, 60, 500).allowed).toBe(false);
    expect(takeToken(bucket, 60, 500).retryAfterMs).toBe(500);
    expect(takeToken(bucket, 60, 1_000).allowed).toBe(true);
  });
});

describe("running batch cap", () => {
  it("rejects a second unfinished batch with 429", async () => {
    const key = await tenantKey();
    const tag = uniqueTag("cap");
    await scriptFake(tag, [{ delay_ms: 1_500 }], true);
    const body = { operation: "summarize", items: [{ text: `${tag} slow item` }] };

    const first = await callAppWith({ TENANT_MAX_RUNNING_BATCHES: "1" }, "POST", "/api/batches", body, key);
    expect(first.status).toBe(201);
    const second = await callAppWith({ TENANT_MAX_RUNNING_BATCHES: "1" }, "POST", "/api/batches", body, key);
    expect(second.status).toBe(429);
    expect(second.json.error.message).toContain("the limit is 1");
    expect(second.headers.get("retry-after")).toBe("30");
  });
});
