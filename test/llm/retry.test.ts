import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import { describe, expect, it } from "vitest";
import { RETRY_AFTER_CAP_MS, RETRY_BASE_DELAY_MS, RETRY_MAX_DELAY_MS } from "../../src/config/limits";
import { rejectsFormat } from "../../src/llm/client";
import { classifyFailure, isRetryable, retryAfterMs, retryDelayMs } from "../../src/llm/retry";

function statusError(status: number, message = "failed"): APIError {
  return APIError.generate(status, { error: { message } }, undefined, new Headers());
}

describe("classifyFailure", () => {
  it("maps errors to failure kinds", () => {
    expect(classifyFailure(statusError(429))).toBe("rate_limited");
    expect(classifyFailure(statusError(408))).toBe("timeout");
    expect(classifyFailure(statusError(500))).toBe("server_error");
    expect(classifyFailure(statusError(503))).toBe("server_error");
    expect(classifyFailure(statusError(400))).toBe("client_error");
    expect(classifyFailure(statusError(401))).toBe("client_error");
    expect(classifyFailure(statusError(404))).toBe("client_error");
    expect(classifyFailure(new APIConnectionTimeoutError())).toBe("timeout");
    expect(classifyFailure(new APIConnectionError({ message: "reset" }))).toBe("connection");
    expect(classifyFailure(new APIUserAbortError())).toBe("client_error");
  });
});

describe("isRetryable", () => {
  it("retries all but client errors", () => {
    expect(isRetryable("rate_limited")).toBe(true);
    expect(isRetryable("server_error")).toBe(true);
    expect(isRetryable("timeout")).toBe(true);
    expect(isRetryable("connection")).toBe(true);
    expect(isRetryable("client_error")).toBe(false);
  });
});

describe("retryAfterMs", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");

  it("prefers retry-after-ms", () => {
    expect(retryAfterMs(new Headers({ "retry-after-ms": "250", "retry-after": "9" }), now)).toBe(250);
  });

  it("reads retry-after seconds", () => {
    expect(retryAfterMs(new Headers({ "retry-after": "2" }), now)).toBe(2000);
    expect(retryAfterMs(new Headers({ "retry-after": "0.5" }), now)).toBe(500);
  });

  it("reads retry-after as an HTTP date", () => {
    expect(retryAfterMs(new Headers({ "retry-after": "Thu, 01 Jan 2026 00:00:03 GMT" }), now)).toBe(3000);
    expect(retryAfterMs(new Headers({ "retry-after": "Wed, 31 Dec 2025 23:00:00 GMT" }), now)).toBe(0);
  });

  it("ignores missing and invalid values", () => {
    expect(retryAfterMs(undefined, now)).toBeUndefined();
    expect(retryAfterMs(new Headers(), now)).toBeUndefined();
    expect(retryAfterMs(new Headers({ "retry-after": "soon" }), now)).toBeUndefined();
    expect(retryAfterMs(new Headers({ "retry-after-ms": "-5", "retry-after": "1" }), now)).toBe(1000);
  });
});

describe("retryDelayMs", () => {
  it("doubles the ceiling per attempt with jitter", () => {
    expect(retryDelayMs(0, undefined, () => 0)).toBe(RETRY_BASE_DELAY_MS / 2);
    expect(retryDelayMs(0, undefined, () => 1)).toBe(RETRY_BASE_DELAY_MS);
    expect(retryDelayMs(2, undefined, () => 0)).toBe(RETRY_BASE_DELAY_MS * 2);
    expect(retryDelayMs(2, undefined, () => 1)).toBe(RETRY_BASE_DELAY_MS * 4);
  });

  it("caps the backoff", () => {
    expect(retryDelayMs(30, undefined, () => 1)).toBe(RETRY_MAX_DELAY_MS);
    expect(retryDelayMs(30, undefined, () => 0)).toBe(RETRY_MAX_DELAY_MS / 2);
  });

  it("spreads delays between calls", () => {
    const delays = new Set(Array.from({ length: 20 }, () => retryDelayMs(3, undefined)));
    expect(delays.size).toBeGreaterThan(1);
  });

  it("uses the server delay up to a cap", () => {
    expect(retryDelayMs(5, 120, () => 0.5)).toBe(120);
    expect(retryDelayMs(0, RETRY_AFTER_CAP_MS * 2)).toBe(RETRY_AFTER_CAP_MS);
  });
});

describe("rejectsFormat", () => {
  it("accepts unsupported-format messages", () => {
    expect(rejectsFormat(statusError(400, "response_format json_schema is not supported by this model"))).toBe(true);
    expect(rejectsFormat(statusError(400, "Invalid parameter: 'response_format' of type 'json_object' is not supported with this model."))).toBe(true);
    expect(rejectsFormat(statusError(422, "Unknown response_format type json_schema"))).toBe(true);
  });

  it("rejects other failures", () => {
    expect(rejectsFormat(statusError(400, "Invalid schema for response_format 'x': additionalProperties is not supported here"))).toBe(false);
    expect(rejectsFormat(statusError(400, "max_tokens is too large"))).toBe(false);
    expect(rejectsFormat(statusError(500, "response_format json_schema is not supported"))).toBe(false);
    expect(rejectsFormat(new Error("response_format is not supported"))).toBe(false);
  });
});
