// Queries on batch_results: idempotent inserts sized under D1's bound-parameter
// limit, per-chunk tallies, and keyset pages in input order.
import { and, asc, eq, getTableColumns, gt, gte, lt, sql } from "drizzle-orm";
import { D1_MAX_BOUND_PARAMETERS } from "../config/limits";
import { type Database, rowsPerStatement } from "./db";
import { batchResults, type BatchResultRow, type NewBatchResultRow } from "./schema/batches";

const RESULT_COLUMNS = Object.keys(getTableColumns(batchResults)).length;

/** Rows per INSERT statement: every row binds one parameter per column. */
export const RESULT_ROWS_PER_STATEMENT = rowsPerStatement(RESULT_COLUMNS, D1_MAX_BOUND_PARAMETERS);

/**
 * Inserts result rows in one D1 batch (a single transaction), several rows per
 * statement. A row whose (batch_id, item_index) exists already is skipped, so a
 * redelivered chunk never writes a second result for an item.
 */
export async function insertResults(db: Database, rows: readonly NewBatchResultRow[]): Promise<void> {
  const statements = [];
  for (let start = 0; start < rows.length; start += RESULT_ROWS_PER_STATEMENT) {
    const slice = rows.slice(start, start + RESULT_ROWS_PER_STATEMENT);
    statements.push(db.insert(batchResults).values(slice).onConflictDoNothing());
  }
  if (statements.length === 0) return;
  const [first, ...rest] = statements;
  await db.batch([first, ...rest]);
}

function inRange(batchId: string, start: number, end: number) {
  return and(eq(batchResults.batchId, batchId), gte(batchResults.itemIndex, start), lt(batchResults.itemIndex, end));
}

/** Returns the indexes in [start, end) that already have a result. */
export async function storedIndexes(db: Database, batchId: string, start: number, end: number): Promise<Set<number>> {
  const rows = await db.select({ index: batchResults.itemIndex }).from(batchResults).where(inRange(batchId, start, end));
  return new Set(rows.map((row) => row.index));
}

export interface ResultTally {
  succeeded: number;
  failed: number;
  cancelled: number;
  expired: number;
  prompt_tokens: number;
  completion_tokens: number;
}

export function emptyTally(): ResultTally {
  return { succeeded: 0, failed: 0, cancelled: 0, expired: 0, prompt_tokens: 0, completion_tokens: 0 };
}

/** Counts the stored results in [start, end) by status, with their token usage. */
export async function tallyResults(db: Database, batchId: string, start: number, end: number): Promise<ResultTally> {
  const rows = await db
    .select({
      status: batchResults.status,
      count: sql<number>`count(*)`,
      promptTokens: sql<number>`coalesce(sum(${batchResults.promptTokens}), 0)`,
      completionTokens: sql<number>`coalesce(sum(${batchResults.completionTokens}), 0)`,
    })
    .from(batchResults)
    .where(inRange(batchId, start, end))
    .groupBy(batchResults.status);

  const tally = emptyTally();
  for (const row of rows) {
    if (row.status === "succeeded" || row.status === "failed" || row.status === "cancelled" || row.status === "expired") {
      tally[row.status] += Number(row.count);
    }
    tally.prompt_tokens += Number(row.promptTokens);
    tally.completion_tokens += Number(row.completionTokens);
  }
  return tally;
}

/** Reads up to `limit` results after `afterIndex` in input order (keyset pagination). */
export function readResultsPage(db: Database, batchId: string, afterIndex: number, limit: number): Promise<BatchResultRow[]> {
  return db
    .select()
    .from(batchResults)
    .where(and(eq(batchResults.batchId, batchId), gt(batchResults.itemIndex, afterIndex)))
    .orderBy(asc(batchResults.itemIndex))
    .limit(limit);
}
