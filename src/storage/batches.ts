// Queries on the batches table: creation, lookups by id and idempotency key,
// cursor pages, and the state snapshots the batch coordinator writes.
import { and, desc, eq, lt } from "drizzle-orm";
import type { Database } from "./db";
import { batches, type BatchRow, type NewBatchRow } from "./schema/batches";

/** Inserts a batch row, or returns false when the tenant already used its idempotency key. */
export async function insertBatch(db: Database, row: NewBatchRow): Promise<boolean> {
  const inserted = await db.insert(batches).values(row).onConflictDoNothing().returning({ id: batches.id });
  return inserted.length === 1;
}

export async function findBatch(db: Database, id: string, tenantId?: string): Promise<BatchRow | undefined> {
  const where = tenantId === undefined ? eq(batches.id, id) : and(eq(batches.id, id), eq(batches.tenantId, tenantId));
  return db.select().from(batches).where(where).get();
}

export async function findBatchByIdempotencyKey(db: Database, tenantId: string, key: string): Promise<BatchRow | undefined> {
  return db
    .select()
    .from(batches)
    .where(and(eq(batches.tenantId, tenantId), eq(batches.idempotencyKey, key)))
    .get();
}

/** Lists a tenant's batches, newest first. Ids sort by creation time, so `afterId` is the cursor. */
export async function listBatches(db: Database, tenantId: string, limit: number, afterId?: string): Promise<BatchRow[]> {
  const where = afterId === undefined ? eq(batches.tenantId, tenantId) : and(eq(batches.tenantId, tenantId), lt(batches.id, afterId));
  return db.select().from(batches).where(where).orderBy(desc(batches.id)).limit(limit);
}

/** The fields of a batch row that change while it runs. */
export type BatchSnapshot = Pick<
  NewBatchRow,
  | "status"
  | "total"
  | "completed"
  | "failed"
  | "cancelled"
  | "expired"
  | "promptTokens"
  | "completionTokens"
  | "errors"
  | "startedAt"
  | "finalizingAt"
  | "completedAt"
  | "failedAt"
  | "cancellingAt"
  | "cancelledAt"
  | "expiredAt"
>;

export async function updateBatchSnapshot(db: Database, id: string, snapshot: BatchSnapshot): Promise<void> {
  await db.update(batches).set(snapshot).where(eq(batches.id, id));
}
