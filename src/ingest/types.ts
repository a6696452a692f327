// Types shared by the ingest module: file metadata, parsed records and parse options.

export type FileFormat = "csv" | "json" | "jsonl" | "text";

export const FILE_FORMATS = ["csv", "json", "jsonl", "text"] as const satisfies readonly FileFormat[];

/** Metadata of one uploaded file, as stored in D1; the bytes live in R2 under `r2_key`. */
export interface StoredFile {
  id: string;
  tenant_id: string;
  filename: string;
  bytes: number;
  format: FileFormat;
  item_count: number;
  columns: string[];
  delimiter: string | null;
  skipped_rows: number;
  charset: string;
  r2_key: string;
  created_at: string;
}

/** One parsed record. CSV: column -> exact string. JSON/JSONL: the object, with integers
 *  beyond 2^53 kept as their exact digit strings. Text: { text }. `line` is 1-based. */
export interface FileRecord {
  index: number;
  line: number;
  values: Record<string, unknown>;
}

/** How to read a file's bytes: its format, the CSV delimiter (null: detect) and the charset (null: UTF-8 or a BOM). */
export interface ParseOptions {
  format: FileFormat;
  delimiter: string | null;
  charset: string | null;
}

/** A format parser fed with decoded text in order; it reports records through its callbacks. */
export interface TextParser {
  push(text: string): void;
  finish(): void;
}

/**
 * Receives one record: the 1-based line where it starts, and a function that builds its
 * values. Validation only counts records, so it never calls `values`, which saves building
 * a wide CSV row's object.
 */
export type EmitRecord = (line: number, values: () => Record<string, unknown>) => void;
