// Conversions between item results and batch_results rows, including the rows that
// stand in for items that never ran (cancelled, expired, or failed with the batch).
import type { ItemResult } from "../operations/types";
import type { NewBatchResultRow } from "../storage/schema/batches";
import type { BatchError, ChunkItem, Ending } from "./types";

/** Item status in a batch: the sync statuses plus `expired`. */
export type BatchItemStatus = "succeeded" | "failed" | "cancelled" | "expired";

export function rowFromResult(batchId: string, result: ItemResult): NewBatchResultRow {
  return {
    batchId,
    itemIndex: result.index,
    itemId: result.id,
    status: result.status,
    output: result.status === "succeeded" ? JSON.stringify(result.output ?? null) : null,
    errorCode: result.error?.code ?? null,
    errorMessage: result.error?.message ?? null,
    raw: result.raw,
    refusal: result.refusal,
    warnings: JSON.stringify(result.warnings),
    promptTokens: result.usage.prompt_tokens,
    completionTokens: result.usage.completion_tokens,
    modelCalls: result.model_calls,
  };
}

/** Builds the row of an item that failed without a model call. */
export function failedRow(batchId: string, item: Pick<ChunkItem, "index" | "id">, error: BatchError, status: BatchItemStatus = "failed"): NewBatchResultRow {
  return {
    batchId,
    itemIndex: item.index,
    itemId: item.id,
    status,
    output: null,
    errorCode: error.code,
    errorMessage: error.message,
    raw: null,
    refusal: null,
    warnings: "[]",
    promptTokens: 0,
    completionTokens: 0,
    modelCalls: 0,
  };
}

/** Status and error of the items a batch never started, by why it ended. */
export function placeholderFor(ending: Ending | "abandon"): { status: BatchItemStatus; error: BatchError } {
  switch (ending) {
    case "cancel":
      return { status: "cancelled", error: { code: "cancelled", message: "the batch was cancelled before this item started" } };
    case "expire":
      return { status: "expired", error: { code: "expired", message: "the batch reached its completion window before this item started" } };
    case "fail":
      return { status: "failed", error: { code: "batch_failed", message: "the batch failed before this item started (see the batch errors)" } };
    case "abandon":
      return {
        status: "failed",
        error: { code: "processing_failed", message: "the chunk with this item failed on every delivery (see the service logs)" },
      };
  }
}
