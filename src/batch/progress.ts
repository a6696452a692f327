// The batch coordinator's own record of a batch, and the live progress it reports:
// status, counts, usage and timestamps, as the API shows them and D1 stores them.
import { z } from "zod";
import type { BatchSnapshot } from "../storage/batches";
import { BatchErrorSchema, BatchStatusSchema } from "./types";

/** Times at which the batch reached each status, null until it does. */
const StatusTimesSchema = z.object({
  started_at: z.string().nullable(),
  finalizing_at: z.string().nullable(),
  completed_at: z.string().nullable(),
  failed_at: z.string().nullable(),
  cancelling_at: z.string().nullable(),
  cancelled_at: z.string().nullable(),
  expired_at: z.string().nullable(),
});

/** Per-status result counts and token usage of some items, as counted in D1. */
export const ResultTallySchema = z.object({
  succeeded: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  cancelled: z.number().int().nonnegative(),
  expired: z.number().int().nonnegative(),
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
});

export const CoordinatorMetaSchema = StatusTimesSchema.extend({
  batch_id: z.string(),
  status: BatchStatusSchema,
  ending: z.enum(["cancel", "expire", "fail"]).nullable(),
  /** Items in the input, corrected by the input pass to the number it read. */
  total: z.number().int().nonnegative(),
  /** True once the input pass registered its last chunk. */
  prepared: z.boolean(),
  errors: z.array(BatchErrorSchema).nullable(),
  expires_at: z.string(),
  /** Epoch milliseconds of the input pass's last sign of progress, and how often it was sent. */
  prepare_activity_at: z.number(),
  prepare_enqueues: z.number().int(),
  /** True once the final state is written to D1. */
  synced: z.boolean(),
});
export type CoordinatorMeta = z.infer<typeof CoordinatorMetaSchema>;

export const BatchProgressSchema = StatusTimesSchema.extend({
  status: BatchStatusSchema,
  request_counts: z.object({
    total: z.number().int(),
    completed: z.number().int(),
    failed: z.number().int(),
    cancelled: z.number().int(),
    expired: z.number().int(),
  }),
  usage: z.object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int() }),
  errors: z.array(BatchErrorSchema).nullable(),
});
export type BatchProgress = z.infer<typeof BatchProgressSchema>;

/** Converts progress into the columns of the batches row. */
export function snapshotOf(progress: BatchProgress): BatchSnapshot {
  return {
    status: progress.status,
    total: progress.request_counts.total,
    completed: progress.request_counts.completed,
    failed: progress.request_counts.failed,
    cancelled: progress.request_counts.cancelled,
    expired: progress.request_counts.expired,
    promptTokens: progress.usage.prompt_tokens,
    completionTokens: progress.usage.completion_tokens,
    errors: progress.errors === null ? null : JSON.stringify(progress.errors),
    startedAt: progress.started_at,
    finalizingAt: progress.finalizing_at,
    completedAt: progress.completed_at,
    failedAt: progress.failed_at,
    cancellingAt: progress.cancelling_at,
    cancelledAt: progress.cancelled_at,
    expiredAt: progress.expired_at,
  };
}
