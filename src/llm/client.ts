// The one model client: an OpenAI-compatible chat completions call with retries,
// retry-after handling and a fallback for providers without json_schema output.
import OpenAI, { APIError } from "openai";
import type { LlmSettings, StructuredOutputLevel } from "../config/settings";
import { sleep } from "../lib/concurrency";
import type { Logger } from "../log/logger";
import { redactText, redactValue } from "./redact";
import { estimateTokens, type RateGate } from "./gate";
import { classifyFailure, type FailureKind, isRetryable, quotaExhausted, rateLimitResetMs, retryAfterMs, retryDelayMs } from "./retry";
import type { ChatMessage, ChatOutcome, ChatRequest, OutputFormat } from "./types";

const LEVELS: StructuredOutputLevel[] = ["text", "json_object", "json_schema"];

/** Formats a provider rejected, remembered per endpoint and model for this isolate's life. */
const acceptedLevel = new Map<string, StructuredOutputLevel>();

export interface CallContext {
  log: Logger;
  itemId?: string;
  signal?: AbortSignal;
  /** Asked right before each request is sent; false means the caller is stopping, so nothing is sent. */
  beforeCall?: () => Promise<boolean>;
  /** Epoch milliseconds after which a call held back by the provider's rate limit fails instead of waiting. */
  deadlineMs?: number;
}

function responseFormatFor(format: OutputFormat, level: StructuredOutputLevel) {
  if (format.type === "text" || level === "text") return undefined;
  if (level === "json_schema" && format.schema) {
    return { type: "json_schema" as const, json_schema: { name: format.name, strict: format.strict ?? true, schema: format.schema } };
  }
  return { type: "json_object" as const };
}

/**
 * Adds a JSON instruction whenever the provider does not get the schema as a
 * json_schema response_format: the schema then travels in the prompt. OpenAI also
 * rejects json_object output unless a message mentions JSON, which this covers.
 */
function messagesFor(request: ChatRequest, level: StructuredOutputLevel): ChatMessage[] {
  const format = request.format;
  if (format.type !== "json" || (level === "json_schema" && format.schema)) return request.messages;
  const schemaText = format.schema ? ` that matches this JSON Schema:\n${JSON.stringify(format.schema)}` : "";
  return [
    ...request.messages.slice(0, -1),
    { role: "system", content: `Reply with only a JSON object${schemaText}` },
    ...request.messages.slice(-1),
  ];
}

/**
 * A 400 or 422 whose message names the response_format and calls it unsupported
 * means the provider lacks that feature. An invalid schema or any other 400 is not a reason
 * to step down, so it fails the call instead.
 */
export function rejectsFormat(error: unknown): boolean {
  if (!(error instanceof APIError) || (error.status !== 400 && error.status !== 422)) return false;
  const message = error.message;
  if (!/response_format|json_schema|json_object|structured output/i.test(message)) return false;
  if (/invalid schema/i.test(message)) return false;
  return /not supported|unsupported|does not support|not available|not allowed|unknown|unrecognized|not enabled/i.test(message);
}

/** Maps a final failure kind to the item error code it becomes. */
function outcomeCode(kind: FailureKind): "timeout" | "rate_limited" | "provider_error" {
  if (kind === "timeout" || kind === "rate_limited") return kind;
  return "provider_error";
}

export class LlmClient {
  private readonly openai: OpenAI;

  /** `gate` paces calls against the provider's limits; without it calls go out at once. */
  constructor(
    private readonly settings: LlmSettings,
    private readonly gate?: RateGate,
  ) {
    this.openai = new OpenAI({
      apiKey: settings.apiKey,
      baseURL: settings.baseURL,
      maxRetries: 0,
      timeout: settings.timeoutMs,
    });
  }

  get defaultModel(): string {
    return this.settings.model;
  }

  get concurrency(): number {
    return this.settings.concurrency;
  }

  /** Removes the API key from any text that may reach a log or a result. */
  redact(text: string): string {
    return redactText(text, this.settings.apiKey);
  }

  /** Removes the API key from every string in a JSON value, such as item results. */
  redactValue<T>(value: T): T {
    return redactValue(value, this.settings.apiKey);
  }

  /** Settles the limiter's token estimate and pauses every caller when the provider's quota is spent. */
  private async reportUsage(estimate: number, usage: { prompt_tokens?: number; completion_tokens?: number } | undefined, headers: Headers) {
    const actual = (usage?.prompt_tokens ?? 0) + (usage?.completion_tokens ?? 0);
    await this.gate!.settle(estimate, actual > 0 ? actual : estimate);
    if (quotaExhausted(headers)) {
      const reset = rateLimitResetMs(headers);
      if (reset !== undefined) await this.gate!.hold(reset);
    }
  }

  private levelFor(model: string): StructuredOutputLevel {
    return acceptedLevel.get(`${this.settings.baseURL}|${model}`) ?? this.settings.structuredOutput;
  }

  async chat(request: ChatRequest, ctx: CallContext): Promise<ChatOutcome> {
    const model = request.model ?? this.settings.model;
    const levelKey = `${this.settings.baseURL}|${model}`;
    const estimate = estimateTokens(request.messages, request.maxTokens);
    let attempt = 0;
    let rateLimitedWaits = 0;

    while (true) {
      const level = this.levelFor(model);
      if (this.gate) {
        const waitMs = await this.gate.reserve(estimate);
        if (ctx.deadlineMs !== undefined && Date.now() + waitMs > ctx.deadlineMs) {
          return { ok: false, code: "rate_limited", message: "the provider's rate limit leaves no slot for this call before its deadline" };
        }
        if (waitMs > 0) {
          ctx.log.debug("waiting for the provider rate limit", { item_id: ctx.itemId, wait_ms: waitMs });
          await sleep(waitMs, ctx.signal);
        }
      }
      if (ctx.beforeCall && !(await ctx.beforeCall())) {
        return { ok: false, code: "cancelled", message: "the batch stopped before this call started" };
      }

      try {
        const { data: completion, response } = await this.openai.chat.completions.create(
          {
            model,
            messages: messagesFor(request, level),
            response_format: responseFormatFor(request.format, level),
            // NOTE: OpenAI's reasoning models reject max_tokens and take max_completion_tokens; this sends max_tokens only.
            max_tokens: request.maxTokens,
            temperature: request.temperature,
          },
          { signal: ctx.signal, timeout: this.settings.timeoutMs, maxRetries: 0 },
        ).withResponse();
        if (this.gate) await this.reportUsage(estimate, completion.usage, response.headers);
        const choice = completion.choices?.[0];
        const message = choice?.message as { content?: string | null; refusal?: string | null } | undefined;
        return {
          ok: true,
          content: message?.content ?? null,
          refusal: message?.refusal ?? null,
          finishReason: choice?.finish_reason ?? null,
          usage: {
            prompt_tokens: completion.usage?.prompt_tokens ?? 0,
            completion_tokens: completion.usage?.completion_tokens ?? 0,
          },
          model: completion.model ?? model,
        };
      } catch (error) {
        // A provider without this response_format: step down one level and ask again at once.
        const levelIndex = LEVELS.indexOf(level);
        if (request.format.type === "json" && levelIndex > 0 && rejectsFormat(error)) {
          const lower = LEVELS[levelIndex - 1];
          acceptedLevel.set(levelKey, lower);
          ctx.log.warn("provider rejected response_format; falling back", { item_id: ctx.itemId, from: level, to: lower });
          continue;
        }

        const kind = classifyFailure(error);
        const status = error instanceof APIError ? error.status : undefined;
        const headers = error instanceof APIError ? (error.headers as Headers | undefined) : undefined;
        const serverDelay = retryAfterMs(headers) ?? (kind === "rate_limited" ? rateLimitResetMs(headers) : undefined);

        // Under a shared limiter a 429 slows every caller down, and the item waits for a
        // new slot instead of spending an attempt, until its deadline.
        if (kind === "rate_limited" && this.gate && ctx.deadlineMs !== undefined && Date.now() < ctx.deadlineMs) {
          const pause = serverDelay ?? retryDelayMs(rateLimitedWaits, undefined);
          rateLimitedWaits++;
          await this.gate.penalize(pause);
          ctx.log.info("provider rate limit hit; waiting for the shared limiter", { item_id: ctx.itemId, pause_ms: pause, waits: rateLimitedWaits });
          continue;
        }

        const message = this.redact(error instanceof Error ? error.message : String(error));
        attempt++;
        if (!isRetryable(kind) || attempt >= this.settings.maxAttempts || ctx.signal?.aborted) {
          ctx.log.warn("model call failed", { item_id: ctx.itemId, kind, status, attempts: attempt, error: message });
          return {
            ok: false,
            code: outcomeCode(kind),
            message: `model call failed after ${attempt} attempt(s): ${message}`,
            status,
          };
        }

        const delay = retryDelayMs(attempt - 1, serverDelay);
        ctx.log.info("retrying model call", { item_id: ctx.itemId, kind, status, attempt, delay_ms: delay });
        await sleep(delay, ctx.signal);
      }
    }
  }
}
