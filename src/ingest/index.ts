// The ingest module's public contract: stored upload metadata and a streaming record reader.
import type { Env } from "../env";

export type FileFormat = "csv" | "json" | "jsonl" | "text";

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

/** Loads a file's metadata, or null when no file with that id exists for the tenant. */
export async function getStoredFile(env: Env, fileId: string, tenantId?: string): Promise<StoredFile | null> {
  // TODO: stub until the D1 table lands.
  void env;
  void fileId;
  void tenantId;
  return null;
}

/** Streams the stored object from R2 and yields records in order, with flat memory. */
export async function* readFileRecords(env: Env, file: StoredFile): AsyncIterable<FileRecord> {
  // TODO: stub until the streaming parsers land.
  void env;
  void file;
}
