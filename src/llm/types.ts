// Shapes shared by the model client and the operations that call it.

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** A JSON Schema object, limited to the keywords that json-schema.ts validates. */
export type JsonSchema = Record<string, unknown>;

/**
 * What the operation wants back: free text, or JSON that fits an optional schema.
 * `strict` (default true) asks the provider to enforce the schema exactly.
 */
export type OutputFormat = { type: "text" } | { type: "json"; name: string; schema?: JsonSchema; strict?: boolean };

export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

export interface ChatRequest {
  messages: ChatMessage[];
  format: OutputFormat;
  model?: string;
  maxTokens?: number;
  temperature?: number;
}

export type ChatOutcome =
  | {
      ok: true;
      content: string | null;
      refusal: string | null;
      finishReason: string | null;
      usage: TokenUsage;
      model: string;
    }
  | {
      ok: false;
      code: "provider_error" | "timeout" | "rate_limited" | "cancelled";
      message: string;
      status?: number;
    };

export function emptyUsage(): TokenUsage {
  return { prompt_tokens: 0, completion_tokens: 0 };
}

export function addUsage(total: TokenUsage, more: TokenUsage): TokenUsage {
  return {
    prompt_tokens: total.prompt_tokens + more.prompt_tokens,
    completion_tokens: total.completion_tokens + more.completion_tokens,
  };
}
