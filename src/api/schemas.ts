// Response bodies of the sync endpoints as zod schemas; tests parse every response with them.
import { z } from "zod";
import { OPERATION_NAMES } from "../operations/types";
import { ItemResultSchema } from "../operations/result-schema";

export const CompletionTotalsSchema = z.object({
  items: z.number().int().nonnegative(),
  succeeded: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
  /** Model calls made for all items, repair calls included and retries not. */
  model_calls: z.number().int().nonnegative(),
});
export type CompletionTotals = z.infer<typeof CompletionTotalsSchema>;

export const CompletionResponseSchema = z
  .object({
    object: z.literal("completion.result"),
    operation: z.enum(OPERATION_NAMES),
    model: z.string(),
    results: z.array(ItemResultSchema),
    totals: CompletionTotalsSchema,
  })
  .strict();
export type CompletionResponse = z.infer<typeof CompletionResponseSchema>;

/** The JSON body of every error response. */
export const ErrorBodySchema = z
  .object({
    error: z
      .object({
        type: z.string(),
        code: z.string(),
        message: z.string(),
        param: z.string().optional(),
        details: z.unknown().optional(),
      })
      .strict(),
  })
  .strict();
export type ErrorBodyJson = z.infer<typeof ErrorBodySchema>;
