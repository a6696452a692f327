// The public batch object: the stored row, with live progress from the coordinator
// while the batch runs.
import type { BatchRow } from "../storage/schema/batches";
import type { BatchProgress } from "./progress";
import { type BatchError, BatchInputSchema, type BatchStatus, isTerminal } from "./types";

export interface BatchObject extends BatchProgress {
  id: string;
  object: "batch";
  operation: string;
  model: string;
  input: { source: "inline" } | { source: "file"; file_id: string; id_column: string | null; text_column: string };
  file_id: string | null;
  completion_window: string;
  created_at: string;
  expires_at: string;
  /** Relative URL of the results download. */
  output_url: string;
  /** When retention deletes the batch with its results: RETENTION_DAYS after it finished, or null while it runs. */
  results_expire_at: string | null;
}

const DAY_MS = 86_400_000;

/** Returns when a finished batch's results expire, or null while it runs or when RETENTION_DAYS is invalid. */
function resultsExpireAt(progress: BatchProgress, retentionDays: number | null): string | null {
  // The same order as the retention query: the one end time a finished batch has.
  const finishedAt = progress.completed_at ?? progress.failed_at ?? progress.cancelled_at ?? progress.expired_at;
  if (!isTerminal(progress.status) || finishedAt === null || retentionDays === null) return null;
  return new Date(Date.parse(finishedAt) + retentionDays * DAY_MS).toISOString();
}

function progressOfRow(row: BatchRow): BatchProgress {
  return {
    status: row.status as BatchStatus,
    request_counts: { total: row.total, completed: row.completed, failed: row.failed, cancelled: row.cancelled, expired: row.expired },
    usage: { prompt_tokens: row.promptTokens, completion_tokens: row.completionTokens },
    errors: row.errors === null ? null : (JSON.parse(row.errors) as BatchError[]),
    started_at: row.startedAt,
    finalizing_at: row.finalizingAt,
    completed_at: row.completedAt,
    failed_at: row.failedAt,
    cancelling_at: row.cancellingAt,
    cancelled_at: row.cancelledAt,
    expired_at: row.expiredAt,
  };
}

/** Returns whether the row has a terminal status. Before that, the coordinator is the authority. */
export function rowIsFinal(row: BatchRow): boolean {
  return isTerminal(row.status as BatchStatus);
}

export function batchObject(row: BatchRow, live: BatchProgress | null, retentionDays: number | null): BatchObject {
  const progress = rowIsFinal(row) || live === null ? progressOfRow(row) : live;
  const input = BatchInputSchema.parse(JSON.parse(row.input));
  return {
    id: row.id,
    object: "batch",
    operation: row.operation,
    model: row.model,
    input:
      input.source === "inline"
        ? { source: "inline" }
        : { source: "file", file_id: input.file_id, id_column: input.id_column, text_column: input.text_column },
    file_id: row.fileId,
    completion_window: row.completionWindow,
    created_at: row.createdAt,
    expires_at: row.expiresAt,
    ...progress,
    output_url: `/api/batches/${row.id}/output`,
    results_expire_at: resultsExpireAt(progress, retentionDays),
  };
}
