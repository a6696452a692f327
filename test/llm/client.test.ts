import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type LlmSettings, readLlmSettings } from "../../src/config/settings";
import { LlmClient } from "../../src/llm/client";
import { redactText, redactValue } from "../../src/llm/redact";
import type { ChatRequest } from "../../src/llm/types";
import type { LogFields, Logger } from "../../src/log/logger";
import { limitFakeFormat } from "../completions/helpers";
import { fakeCalls, scriptFake, uniqueTag } from "../support/fake-llm";

interface LogEntry {
  level: string;
  message: string;
  fields: LogFields;
}

/** A logger that keeps its entries for assertions. */
function recordingLogger(entries: LogEntry[] = []): Logger & { entries: LogEntry[] } {
  const write = (level: string) => (message: string, fields: LogFields = {}) => void entries.push({ level, message, fields });
  return {
    entries,
    debug: write("debug"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
    child: () => recordingLogger(entries),
  };
}

function client(overrides: Partial<LlmSettings> = {}): LlmClient {
  return new LlmClient({ ...readLlmSettings(env), ...overrides });
}

function textRequest(tag: string, model?: string): ChatRequest {
  return { messages: [{ role: "user", content: `${tag} hello` }], format: { type: "text" }, model };
}

describe("LlmClient.chat", () => {
  it("logs each retry with the item id", async () => {
    const tag = uniqueTag("client-retry-log");
    await scriptFake(tag, [{ status: 500 }, { status: 502 }, { content: "ok" }]);
    const log = recordingLogger();

    const outcome = await client().chat(textRequest(tag), { log, itemId: "item-7" });

    expect(outcome).toMatchObject({ ok: true, content: "ok" });
    const retries = log.entries.filter((entry) => entry.message === "retrying model call");
    expect(retries).toHaveLength(2);
    expect(retries[0].fields).toMatchObject({ item_id: "item-7", kind: "server_error", status: 500, attempt: 1 });
    expect(retries[1].fields).toMatchObject({ item_id: "item-7", status: 502, attempt: 2 });
  });

  it("waits the retry-after-ms delay", async () => {
    const tag = uniqueTag("client-retry-after");
    await scriptFake(tag, [{ status: 429, headers: { "retry-after-ms": "300" } }, { content: "ok" }]);
    const log = recordingLogger();
    const started = Date.now();

    await client().chat(textRequest(tag), { log, itemId: "a" });

    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(log.entries.find((entry) => entry.message === "retrying model call")?.fields.delay_ms).toBe(300);
  });

  it("stops at maxAttempts", async () => {
    const tag = uniqueTag("client-attempts");
    await scriptFake(tag, [{ status: 500 }], true);
    const log = recordingLogger();

    const outcome = await client({ maxAttempts: 2 }).chat(textRequest(tag), { log, itemId: "a" });

    expect(outcome).toMatchObject({ ok: false, code: "provider_error", status: 500 });
    expect(await fakeCalls(tag)).toHaveLength(2);
    expect(log.entries.find((entry) => entry.message === "model call failed")?.fields).toMatchObject({ item_id: "a", attempts: 2 });
  });

  it("does not retry a 404", async () => {
    const tag = uniqueTag("client-404");
    await scriptFake(tag, [{ status: 404, body: { error: { message: "model not found" } } }, { content: "ok" }]);

    const outcome = await client().chat(textRequest(tag), { log: recordingLogger() });

    expect(outcome).toMatchObject({ ok: false, code: "provider_error", status: 404 });
    expect(await fakeCalls(tag)).toHaveLength(1);
  });

  it("times out a hung call", async () => {
    const tag = uniqueTag("client-timeout");
    await scriptFake(tag, [{ hang: true }]);

    const outcome = await client({ timeoutMs: 200, maxAttempts: 1 }).chat(textRequest(tag), { log: recordingLogger() });

    expect(outcome).toMatchObject({ ok: false, code: "timeout" });
  });

  it("steps down and logs the format change", async () => {
    const tag = uniqueTag("client-fallback");
    await limitFakeFormat(tag, "json_object");
    await scriptFake(tag, [{ content: '{"a": 1}' }]);
    const log = recordingLogger();
    const request: ChatRequest = {
      messages: [{ role: "user", content: `${tag} go` }],
      format: { type: "json", name: "thing", schema: { type: "object", properties: { a: { type: "integer" } } } },
      model: `model-${tag}`,
    };

    const outcome = await client().chat(request, { log, itemId: "f1" });

    expect(outcome).toMatchObject({ ok: true, content: '{"a": 1}' });
    const warning = log.entries.find((entry) => entry.message === "provider rejected response_format; falling back");
    expect(warning?.fields).toMatchObject({ item_id: "f1", from: "json_schema", to: "json_object" });
  });

  it("redacts the key from failure messages", async () => {
    const tag = uniqueTag("client-redact");
    const key = readLlmSettings(env).apiKey;
    await scriptFake(tag, [{ status: 401, body: { error: { message: `bad key ${key}` } } }]);
    const log = recordingLogger();

    const outcome = await client().chat(textRequest(tag), { log });

    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.message).toContain("bad key [redacted]");
    expect(JSON.stringify(log.entries)).not.toContain(key);
  });

  it("reports usage and finish reason", async () => {
    const tag = uniqueTag("client-usage");
    await scriptFake(tag, [
      {
        completion: {
          object: "chat.completion",
          model: "usage-model",
          choices: [{ index: 0, finish_reason: "length", message: { role: "assistant", content: "partial", refusal: null } }],
          usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
        },
      },
    ]);

    const outcome = await client().chat(textRequest(tag, "usage-model"), { log: recordingLogger() });

    expect(outcome).toEqual({
      ok: true,
      content: "partial",
      refusal: null,
      finishReason: "length",
      usage: { prompt_tokens: 7, completion_tokens: 3 },
      model: "usage-model",
    });
  });
});

describe("redact", () => {
  it("replaces the secret in text and values", () => {
    expect(redactText("a sk-secret-123 b sk-secret-123", "sk-secret-123")).toBe("a [redacted] b [redacted]");
    expect(redactValue({ list: ["x sk-secret-123"], n: 1 }, "sk-secret-123")).toEqual({ list: ["x [redacted]"], n: 1 });
  });

  it("ignores placeholder keys", () => {
    expect(redactText("no-key", "no-key")).toBe("no-key");
  });
});
