// Shapes shared by the batch pipeline: statuses, the input description stored with a
// batch, chunk items in R2, and queue message bodies. Each boundary has a zod schema.
import { z } from "zod";

export const BATCH_STATUSES = [
  "validating",
  "queued",
  "in_progress",
  "finalizing",
  "completed",
  "failed",
  "cancelling",
  "cancelled",
  "expired",
] as const;
export const BatchStatusSchema = z.enum(BATCH_STATUSES);
export type BatchStatus = z.infer<typeof BatchStatusSchema>;

const TERMINAL: ReadonlySet<BatchStatus> = new Set(["completed", "failed", "cancelled", "expired"]);

export function isTerminal(status: BatchStatus): boolean {
  return TERMINAL.has(status);
}

/** Why a batch stops before every item ran: a cancel request, its deadline, or an input failure. */
export type Ending = "cancel" | "expire" | "fail";

/** The source of a batch's items. Inline items are stored in R2 at submit time. */
export const BatchInputSchema = z.discriminatedUnion("source", [
  z.object({ source: z.literal("inline"), r2_key: z.string() }),
  z.object({
    source: z.literal("file"),
    file_id: z.string(),
    /** The column with the item ids, or null when the record's line number is the id. */
    id_column: z.string().nullable(),
    text_column: z.string(),
  }),
]);
export type BatchInput = z.infer<typeof BatchInputSchema>;

export const BatchErrorSchema = z.object({ code: z.string(), message: z.string() });
export type BatchError = z.infer<typeof BatchErrorSchema>;

/**
 * One line of a chunk object in R2: an item to run, or an item that failed while its
 * input was read (too long, a missing column), which is stored without a model call.
 */
export const ChunkItemSchema = z.union([
  z.object({
    index: z.number().int().nonnegative(),
    id: z.string(),
    text: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
  }),
  z.object({
    index: z.number().int().nonnegative(),
    id: z.string(),
    error: BatchErrorSchema,
  }),
]);
export type ChunkItem = z.infer<typeof ChunkItemSchema>;

/** The position and size of one chunk in the batch input. */
export const ChunkRangeSchema = z.object({
  n: z.number().int().nonnegative(),
  start: z.number().int().nonnegative(),
  count: z.number().int().positive(),
});
export type ChunkRange = z.infer<typeof ChunkRangeSchema>;

/** Queue message bodies. They carry references only, because item text travels through R2. */
export const BatchMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("prepare"), batch_id: z.string() }),
  z.object({ type: z.literal("chunk"), batch_id: z.string(), chunk: z.number().int().nonnegative() }),
]);
export type BatchMessage = z.infer<typeof BatchMessageSchema>;

export function inputKey(batchId: string): string {
  return `batches/${batchId}/input.jsonl`;
}

export function chunkKey(batchId: string, n: number): string {
  return `batches/${batchId}/chunks/${n}.jsonl`;
}
