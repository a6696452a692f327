// The one model client: an OpenAI-compatible chat completions call with retries,
// retry-after handling and a fallback for providers without json_schema output.
import OpenAI, { APIError } from "openai";
import type { LlmSettings, StructuredOutputLevel } from "../config/settings";
import { sleep } from "../lib/concurrency";
import type { Logger } from "../log/logger";
import { classifyFailure, isRetryable, retryAfterMs, retryDelayMs } from "./retry";
import type { ChatMessage, ChatOutcome, ChatRequest, OutputFormat } from "./types";

const LEVELS: StructuredOutputLevel[] = ["text", "json_object", "json_schema"];

/** Formats a provider rejected, remembered per endpoint and model for this isolate's life. */
const acceptedLevel = new Map<string, StructuredOutputLevel>();

export interface CallContext {
  log: Logger;
  itemId?: string;
  signal?: AbortSignal;
}

function responseFormatFor(format: OutputFormat, level: StructuredOutputLevel) {
  if (format.type === "text" || level === "text") return undefined;
  if (level === "json_schema" && format.schema) {
    return { type: "json_schema" as const, json_schema: { name: format.name, strict: true, schema: format.schema } };
  }
  return { type: "json_object" as const };
}

/** Without json_schema support the schema travels in the prompt instead. */
function messagesFor(request: ChatRequest, level: StructuredOutputLevel): ChatMessage[] {
  const format = request.format;
  if (format.type !== "json" || level === "json_schema") return request.messages;
  const schemaText = format.schema ? ` that matches this JSON Schema:\n${JSON.stringify(format.schema)}` : "";
  return [
    ...request.messages.slice(0, -1),
    { role: "system", content: `Reply with only a JSON object${schemaText}` },
    ...request.messages.slice(-1),
  ];
}

/** A 400 or 422 that blames response_format means the provider lacks that feature. */
function rejectsFormat(error: unknown): boolean {
  if (!(error instanceof APIError) || (error.status !== 400 && error.status !== 422)) return false;
  return /response_format|json_schema|json_object|structured/i.test(error.message);
}

export class LlmClient {
  private readonly openai: OpenAI;

  constructor(private readonly settings: LlmSettings) {
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
    const key = this.settings.apiKey;
    return key.length >= 8 ? text.split(key).join("[redacted]") : text;
  }

  private levelFor(model: string): StructuredOutputLevel {
    return acceptedLevel.get(`${this.settings.baseURL}|${model}`) ?? this.settings.structuredOutput;
  }

  async chat(request: ChatRequest, ctx: CallContext): Promise<ChatOutcome> {
    const model = request.model ?? this.settings.model;
    const levelKey = `${this.settings.baseURL}|${model}`;
    let attempt = 0;

    while (true) {
      const level = this.levelFor(model);
      try {
        const completion = await this.openai.chat.completions.create(
          {
            model,
            messages: messagesFor(request, level),
            response_format: responseFormatFor(request.format, level),
            max_tokens: request.maxTokens,
            temperature: request.temperature,
          },
          { signal: ctx.signal, timeout: this.settings.timeoutMs, maxRetries: 0 },
        );
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
        const message = this.redact(error instanceof Error ? error.message : String(error));
        attempt++;
        if (!isRetryable(kind) || attempt >= this.settings.maxAttempts || ctx.signal?.aborted) {
          ctx.log.warn("model call failed", { item_id: ctx.itemId, kind, status, attempts: attempt, error: message });
          return {
            ok: false,
            code: kind === "timeout" ? "timeout" : kind === "rate_limited" ? "rate_limited" : "provider_error",
            message: `model call failed after ${attempt} attempt(s): ${message}`,
            status,
          };
        }

        const serverDelay = error instanceof APIError ? retryAfterMs(error.headers as Headers | undefined) : undefined;
        const delay = retryDelayMs(attempt - 1, serverDelay);
        ctx.log.info("retrying model call", { item_id: ctx.itemId, kind, status, attempt, delay_ms: delay });
        await sleep(delay, ctx.signal);
      }
    }
  }
}
