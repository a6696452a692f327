// The contract each operation implements, and the per-item result every path returns.
import { z } from "zod";
import { MAX_PROMPT_CHARS } from "../config/limits";
import type { ChatMessage, OutputFormat } from "../llm/types";
import type { PreparedItem } from "./items";
import type { ItemErrorCode } from "./result-schema";
import type { NamedTemplate } from "./template";

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

export { type ItemError, type ItemErrorCode, type ItemResult, type ItemStatus } from "./result-schema";

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
  templates(params: P): NamedTemplate[];
  messages(params: P, item: PreparedItem): ChatMessage[];
  format(params: P): OutputFormat;
  parse(params: P, content: string): ParseOutcome;
}
