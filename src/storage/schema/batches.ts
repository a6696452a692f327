// D1 tables of batches and their per-item results. migrations/0003_batches.sql creates them.
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const batches = sqliteTable(
  "batches",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    operation: text("operation").notNull(),
    /** The operation's parameters as validated JSON text. */
    params: text("params").notNull(),
    /** The source of the items as JSON text: inline items in R2, or a file with its column mapping. */
    input: text("input").notNull(),
    fileId: text("file_id"),
    model: text("model").notNull(),
    completionWindow: text("completion_window").notNull(),
    idempotencyKey: text("idempotency_key"),
    /** SHA-256 of the canonical request body, to tell a replay from a different request with the same key. */
    requestHash: text("request_hash").notNull(),
    /** "validating" at creation, then the final status the coordinator writes when the batch ends. Until then the coordinator is the authority. */
    status: text("status").notNull(),
    total: integer("total").notNull(),
    completed: integer("completed").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    cancelled: integer("cancelled").notNull().default(0),
    expired: integer("expired").notNull().default(0),
    promptTokens: integer("prompt_tokens").notNull().default(0),
    completionTokens: integer("completion_tokens").notNull().default(0),
    errors: text("errors"),
    createdAt: text("created_at").notNull(),
    startedAt: text("started_at"),
    finalizingAt: text("finalizing_at"),
    completedAt: text("completed_at"),
    failedAt: text("failed_at"),
    cancellingAt: text("cancelling_at"),
    cancelledAt: text("cancelled_at"),
    expiredAt: text("expired_at"),
    expiresAt: text("expires_at").notNull(),
  },
  (table) => [
    uniqueIndex("batches_tenant_idempotency_key").on(table.tenantId, table.idempotencyKey),
    index("batches_tenant_id").on(table.tenantId, table.id),
  ],
);
export type BatchRow = typeof batches.$inferSelect;
export type NewBatchRow = typeof batches.$inferInsert;

export const batchResults = sqliteTable(
  "batch_results",
  {
    batchId: text("batch_id").notNull(),
    /** 0-based position of the item in the batch input. Results are keyed by it, never by the caller's id. */
    itemIndex: integer("item_index").notNull(),
    itemId: text("item_id").notNull(),
    /** succeeded, failed, cancelled or expired. */
    status: text("status").notNull(),
    /** The validated output as JSON text, null unless status is succeeded. */
    output: text("output"),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    raw: text("raw"),
    refusal: text("refusal"),
    /** JSON array of warning strings. */
    warnings: text("warnings").notNull(),
    promptTokens: integer("prompt_tokens").notNull(),
    completionTokens: integer("completion_tokens").notNull(),
    modelCalls: integer("model_calls").notNull(),
  },
  (table) => [primaryKey({ columns: [table.batchId, table.itemIndex] })],
);
export type BatchResultRow = typeof batchResults.$inferSelect;
export type NewBatchResultRow = typeof batchResults.$inferInsert;
