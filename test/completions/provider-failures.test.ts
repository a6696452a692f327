import { describe, expect, it } from "vitest";
import { ErrorBodySchema } from "../../src/api/schemas";
import { postJson } from "../support/api";
import { fakeCalls, scriptFake, uniqueTag } from "../support/fake-llm";
import { complete, itemKey, limitFakeFormat, resultFor, taggedText } from "./helpers";

/** The key the test pool configures as LLM_API_KEY. */
const API_KEY = "sk-test-secret-key-0123456789";

/** Two label items: `bad` gets the scripted steps, `good` the fake's default answer. */
async function labelPair(tag: string, badSteps: Parameters<typeof scriptFake>[1]) {
  await scriptFake(itemKey(tag, "bad"), badSteps);
  return complete("label", {
    categories: ["billing", "shipping"],
    items: [
      { id: "bad", text: taggedText(tag, "bad", "first") },
      { id: "good", text: taggedText(tag, "good", "second") },
    ],
  });
}

describe("sync endpoints with provider failures", () => {
  it("keeps the call when one item fails", async () => {
    const tag = uniqueTag("failure-one");
    const response = await labelPair(tag, [{ status: 400, body: { error: { message: "bad request for this item" } } }]);

    const bad = resultFor(response, "bad");
    expect(bad.status).toBe("failed");
    expect(bad.error?.code).toBe("provider_error");
    expect(bad.error?.message).toContain("bad request for this item");
    expect(resultFor(response, "good").status).toBe("succeeded");
    expect(response.totals).toMatchObject({ items: 2, succeeded: 1, failed: 1 });
  });

  it("does not retry a 400", async () => {
    const tag = uniqueTag("failure-400");
    await labelPair(tag, [{ status: 400 }, { content: '{"label": "billing"}' }]);
    expect(await fakeCalls(itemKey(tag, "bad"))).toHaveLength(1);
  });

  it("retries a 5xx then succeeds", async () => {
    const tag = uniqueTag("failure-500");
    const response = await labelPair(tag, [{ status: 503 }, { status: 500 }, { content: '{"label": "shipping"}' }]);

    const bad = resultFor(response, "bad");
    expect(bad.output).toEqual({ label: "shipping" });
    expect(bad.model_calls).toBe(1);
    expect(await fakeCalls(itemKey(tag, "bad"))).toHaveLength(3);
  });

  it("reports rate_limited after the last attempt", async () => {
    const tag = uniqueTag("failure-429");
    const limited = { status: 429, headers: { "retry-after-ms": "10" } };
    const response = await labelPair(tag, [limited, limited, limited]);

    expect(resultFor(response, "bad").error?.code).toBe("rate_limited");
    expect(resultFor(response, "bad").error?.message).toContain("after 3 attempt(s)");
    expect(await fakeCalls(itemKey(tag, "bad"))).toHaveLength(3);
  });

  it("waits retry-after seconds", async () => {
    const tag = uniqueTag("failure-retry-after");
    const started = Date.now();
    const response = await labelPair(tag, [{ status: 429, headers: { "retry-after": "1" } }, { content: '{"label": "billing"}' }]);

    expect(resultFor(response, "bad").output).toEqual({ label: "billing" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("retries a timed-out call", async () => {
    const tag = uniqueTag("failure-timeout-once");
    const started = Date.now();
    const response = await labelPair(tag, [{ hang: true }, { content: '{"label": "billing"}' }]);

    expect(resultFor(response, "bad").output).toEqual({ label: "billing" });
    expect(await fakeCalls(itemKey(tag, "bad"))).toHaveLength(2);
    // LLM_TIMEOUT_MS is 1500 in the test pool.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
  });

  it("reports timeout after the last attempt", async () => {
    const tag = uniqueTag("failure-timeout");
    const response = await labelPair(tag, [{ hang: true }, { hang: true }, { hang: true }]);

    expect(resultFor(response, "bad").error?.code).toBe("timeout");
    expect(resultFor(response, "good").status).toBe("succeeded");
  });

  it("answers 502 when every item fails", async () => {
    const tag = uniqueTag("failure-all");
    const failing = { status: 500, body: { error: { message: "upstream is down" } } };
    await scriptFake(tag, [failing], true);

    const response = await postJson("/api/completions/summarize", {
      items: [{ text: `${tag} one` }, { text: `${tag} two` }],
    });

    expect(response.status).toBe(502);
    const body = ErrorBodySchema.parse(response.json);
    expect(body.error.type).toBe("provider_error");
    expect(body.error.code).toBe("provider_unavailable");
    expect(body.error.message).toContain("upstream is down");
    expect((body.error.details as any).results).toHaveLength(2);
  });

  it("keeps 200 when items fail validation", async () => {
    const tag = uniqueTag("failure-validation");
    await scriptFake(tag, [{ content: "neither" }], true);

    const response = await complete("label", { categories: ["yes", "no"], items: [{ text: `${tag} a` }, { text: `${tag} b` }] });
    expect(response.totals.failed).toBe(2);
    expect(response.results.every((result) => result.error?.code === "invalid_label")).toBe(true);
  });
});

describe("API key in sync responses", () => {
  it("redacts the key from provider errors", async () => {
    const tag = uniqueTag("secret-error");
    const response = await labelPair(tag, [{ status: 401, body: { error: { message: `Incorrect API key provided: ${API_KEY}` } } }]);

    const bad = resultFor(response, "bad");
    expect(bad.error?.message).toContain("Incorrect API key provided: [redacted]");
    expect(JSON.stringify(response)).not.toContain(API_KEY);
  });

  it("redacts the key from a 502 body", async () => {
    const tag = uniqueTag("secret-502");
    await scriptFake(tag, [{ status: 401, body: { error: { message: `key ${API_KEY} rejected` } } }], true);

    const response = await postJson("/api/completions/run", { items: [{ text: `${tag} x` }] });

    expect(response.status).toBe(502);
    expect(response.text).toContain("[redacted]");
    expect(response.text).not.toContain(API_KEY);
  });

  it("redacts the key from model output", async () => {
    const tag = uniqueTag("secret-output");
    await scriptFake(tag, [{ content: `My key is ${API_KEY}` }, { content: `{"label": "${API_KEY}"}` }, { content: `{"label": "${API_KEY}"}` }]);

    const run = await postJson("/api/completions/run", { items: [{ text: `${tag} x` }] });
    const label = await postJson("/api/completions/label", { categories: ["a"], items: [{ text: `${tag} y` }] });

    expect(run.status).toBe(200);
    expect(run.json.results[0].output).toBe("My key is [redacted]");
    expect(label.status).toBe(200);
    expect(label.text).not.toContain(API_KEY);
    expect(run.text).not.toContain(API_KEY);
  });
});

describe("structured output fallback", () => {
  it("steps down to json_object with the schema in the prompt", async () => {
    const tag = uniqueTag("fallback-object");
    await limitFakeFormat(tag, "json_object");
    await scriptFake(tag, [{ content: '{"label": "shipping"}' }]);

    const response = await complete("label", {
      model: `model-${tag}`,
      categories: ["billing", "shipping"],
      items: [{ text: `${tag} parcel lost` }],
    });

    expect(response.results[0].output).toEqual({ label: "shipping" });
    expect(response.results[0].model_calls).toBe(1);
    const calls = await fakeCalls(tag);
    expect(calls).toHaveLength(2);
    expect(calls[0].body.response_format?.type).toBe("json_schema");
    expect(calls[1].body.response_format?.type).toBe("json_object");
    const schemaMessage = calls[1].body.messages.find((message) => message.content.includes("matches this JSON Schema"));
    expect(schemaMessage?.content).toContain('"enum":["billing","shipping"]');
  });

  it("remembers the step down per model", async () => {
    const tag = uniqueTag("fallback-memory");
    await limitFakeFormat(tag, "json_object");
    const request = { model: `model-${tag}`, categories: ["billing", "shipping"], items: [{ text: `${tag} first` }] };

    await scriptFake(`${tag} first`, [{ content: '{"label": "billing"}' }]);
    await complete("label", request);
    await scriptFake(`${tag} second`, [{ content: '{"label": "billing"}' }]);
    await complete("label", { ...request, items: [{ text: `${tag} second` }] });
    await complete("label", { ...request, model: `other-${tag}`, items: [{ text: `${tag} third` }] });

    const second = await fakeCalls(`${tag} second`);
    expect(second).toHaveLength(1);
    expect(second[0].body.response_format?.type).toBe("json_object");
    const third = await fakeCalls(`${tag} third`);
    expect(third[0].body.response_format?.type).toBe("json_schema");
  });

  it("steps down to text when JSON modes are rejected", async () => {
    const tag = uniqueTag("fallback-text");
    await limitFakeFormat(tag, "text");
    await scriptFake(tag, [{ content: '{"city": "Oslo"}' }]);

    const response = await complete("extract", {
      model: `model-${tag}`,
      fields: [{ name: "city" }],
      items: [{ text: `${tag} I live in Oslo` }],
    });

    expect(response.results[0].output).toEqual({ city: "Oslo" });
    const calls = await fakeCalls(tag);
    expect(calls.map((call) => call.body.response_format?.type)).toEqual(["json_schema", "json_object", undefined]);
    expect(calls[2].body.messages.some((message) => message.content.includes("matches this JSON Schema"))).toBe(true);
  });

  it("does not step down for an invalid schema", async () => {
    const tag = uniqueTag("fallback-invalid-schema");
    const invalid = { status: 400, body: { error: { message: "Invalid schema for response_format 'output': 'additionalProperties' is required", param: "response_format" } } };
    await scriptFake(tag, [invalid]);

    const response = await complete("run", {
      model: `model-${tag}`,
      response_format: { type: "json_schema", json_schema: { schema: { type: "object", properties: {} } } },
      items: [{ text: `${tag} one` }, { text: `${tag} two` }],
    });

    const calls = await fakeCalls(tag);
    expect(calls.every((call) => call.body.response_format?.type === "json_schema")).toBe(true);
    expect(response.totals.failed).toBe(1);
    expect(response.results.some((result) => result.error?.message.includes("Invalid schema"))).toBe(true);
  });
});
