// D1 queries for uploaded files' metadata.
import { and, desc, eq, lt, or } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { StoredFile } from "../ingest/types";
import { files, type FileRow, type NewFileRow } from "./schema/files";

/** A position in a tenant's newest-first file listing: the last file of the previous page. */
export interface FileCursor {
  createdAt: string;
  id: string;
}

export function toStoredFile(row: FileRow): StoredFile {
  return {
    id: row.id,
    tenant_id: row.tenantId,
    filename: row.filename,
    bytes: row.bytes,
    format: row.format,
    item_count: row.itemCount,
    columns: row.columns,
    delimiter: row.delimiter,
    skipped_rows: row.skippedRows,
    charset: row.charset,
    r2_key: row.r2Key,
    created_at: row.createdAt,
  };
}

export async function insertFile(db: D1Database, row: NewFileRow): Promise<void> {
  await drizzle(db).insert(files).values(row);
}

/** Returns a file's row, matching the tenant too when one is given. */
export async function findFile(db: D1Database, id: string, tenantId?: string): Promise<FileRow | undefined> {
  const where = tenantId === undefined ? eq(files.id, id) : and(eq(files.id, id), eq(files.tenantId, tenantId));
  return drizzle(db).select().from(files).where(where).get();
}

/** Returns up to `limit` of a tenant's files, newest first, after `cursor` when given. */
export async function listFiles(db: D1Database, tenantId: string, limit: number, cursor?: FileCursor): Promise<FileRow[]> {
  const after = cursor
    ? or(lt(files.createdAt, cursor.createdAt), and(eq(files.createdAt, cursor.createdAt), lt(files.id, cursor.id)))
    : undefined;
  return drizzle(db)
    .select()
    .from(files)
    .where(and(eq(files.tenantId, tenantId), after))
    .orderBy(desc(files.createdAt), desc(files.id))
    .limit(limit);
}

export async function deleteFileRow(db: D1Database, id: string, tenantId: string): Promise<void> {
  await drizzle(db).delete(files).where(and(eq(files.id, id), eq(files.tenantId, tenantId)));
}
