// D1 table of uploaded files' metadata; the bytes live in R2. migrations/0002_files.sql creates it.
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { FileFormat } from "../../ingest/types";

export const files = sqliteTable(
  "files",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    filename: text("filename").notNull(),
    bytes: integer("bytes").notNull(),
    format: text("format").$type<FileFormat>().notNull(),
    itemCount: integer("item_count").notNull(),
    /** CSV column names as a JSON array; empty for other formats. */
    columns: text("columns", { mode: "json" }).$type<string[]>().notNull(),
    delimiter: text("delimiter"),
    skippedRows: integer("skipped_rows").notNull(),
    /** The first line numbers of skipped blank rows, as a JSON array (at most MAX_REPORTED_LINES). */
    skippedLines: text("skipped_lines", { mode: "json" }).$type<number[]>().notNull(),
    /** The WHATWG name of the encoding the bytes are in, for example "utf-8". */
    charset: text("charset").notNull(),
    contentType: text("content_type"),
    r2Key: text("r2_key").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (table) => [index("files_tenant_created").on(table.tenantId, table.createdAt, table.id)],
);
export type FileRow = typeof files.$inferSelect;
export type NewFileRow = typeof files.$inferInsert;
