// The per-item result every operation returns, as zod schemas: the sync endpoints
// send it, batches store it, and tests parse responses with it.
import { z } from "zod";

/** Item-level failure reasons. Each is data stored with the item, never an exception. */
export const ItemErrorCodeSchema = z.enum([
  "invalid_label",
  "not_json",
  "schema_mismatch",
  "truncated",
  "refused",
  "content_filtered",
  "empty_output",
  "provider_error",
  "rate_limited",
  "timeout",
  "missing_field",
  "input_too_long",
  "cancelled",
  "expired",
]);
export type ItemErrorCode = z.infer<typeof ItemErrorCodeSchema>;

export const ItemErrorSchema = z.object({
  code: ItemErrorCodeSchema,
  message: z.string(),
});
export type ItemError = z.infer<typeof ItemErrorSchema>;

export const ItemStatusSchema = z.enum(["succeeded", "failed", "cancelled"]);
export type ItemStatus = z.infer<typeof ItemStatusSchema>;

export const TokenUsageSchema = z.object({
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
});

export const ItemResultSchema = z.object({
  id: z.string(),
  /** 0-based position of the item in the input. */
  index: z.number().int().nonnegative(),
  status: ItemStatusSchema,
  /** The validated output; null unless status is succeeded. */
  output: z.unknown(),
  error: ItemErrorSchema.nullable(),
  /** The model's text when it did not pass validation or the answer ended early, kept for inspection. */
  raw: z.string().nullable(),
  /** The model's refusal text, when it refused. */
  refusal: z.string().nullable(),
  /** Notes on a successful output, such as dropped labels or a summary over max_words. */
  warnings: z.array(z.string()),
  usage: TokenUsageSchema,
  /** Model calls made for this item, the repair call included; retries of one call count once. */
  model_calls: z.number().int().nonnegative(),
});
export type ItemResult = z.infer<typeof ItemResultSchema>;
