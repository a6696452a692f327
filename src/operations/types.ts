// The contract each operation implements, and the per-item result every path returns.
import { z } from "zod";
import { MAX_PROMPT_CHARS } from "../config/limits";
import type { ChatMessage, OutputFormat, TokenUsage } from "../llm/types";
import type { PreparedItem } from "./items";

export const OPERATION_NAMES = ["label", "summarize", "extract", "enrich", "run"] as const;
export type OperationName = (typeof OPERATION_NAMES)[number];

/** Parameters every operation accepts besides its own. */
export const CommonParamsSchema = z.object({
  model: z.string().min(1).max(200).optional(),
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: z.number().int().positive().max(200_000).optional(),
  instructions: z.string().max(MAX_PROMPT_CHARS).optional(),
  system_prompt: z.string().min(1).max(MAX_PROMPT_CHARS).optional(),
  user_prompt_template: z.string().min(1).max(MAX_PROMPT_CHARS).optional(),
});
export type CommonParams = z.infer<typeof CommonParamsSchema>;

/** Item-level failure reasons. Each is data stored with the item, never an exception. */
export type ItemErrorCode =
  | "invalid_label"
  | "not_json"
  | "schema_mismatch"
  | "truncated"
  | "refused"
  | "content_filtered"
  | "empty_output"
  | "provider_error"
  | "rate_limited"
  | "timeout"
  | "missing_field"
  | "input_too_long"
  | "cancelled"
  | "expired";

export interface ItemError {
  code: ItemErrorCode;
  message: string;
}

export type ItemStatus = "succeeded" | "failed" | "cancelled";

export interface ItemResult {
  id: string;
  index: number;
  status: ItemStatus;
  output: unknown;
  error: ItemError | null;
  /** The model's text when it did not pass validation, kept for inspection. */
  raw: string | null;
  refusal: string | null;
  warnings: string[];
  usage: TokenUsage;
  /** Model calls made for this item, the repair call included. */
  model_calls: number;
}

export type ParseOutcome =
  | { ok: true; output: unknown; warnings?: string[] }
  | { ok: false; code: ItemErrorCode; message: string };

export interface Operation<P extends CommonParams = CommonParams> {
  name: OperationName;
  /** The operation's parameters without items; strict, so unknown fields are rejected. */
  schema: z.ZodType<P>;
  /** Rejects parameters that are well-formed but contradictory; throws ApiError. */
  check(params: P): void;
  /** Every template whose placeholders items must fill. */
  templates(params: P): string[];
  messages(params: P, item: PreparedItem): ChatMessage[];
  format(params: P): OutputFormat;
  parse(params: P, content: string): ParseOutcome;
}
