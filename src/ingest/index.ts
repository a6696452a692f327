// The ingest module's public contract: stored upload metadata and a streaming record reader.
import type { Env } from "../env";
import { ApiError } from "../errors";
import { findFile, toStoredFile } from "../storage/files";
import { iterateStream } from "./bytes";
import { parseRecords } from "./records";
import { ParseReport } from "./report";
import type { FileRecord, StoredFile } from "./types";

export type { FileFormat, FileRecord, StoredFile } from "./types";

/**
 * Loads a file's metadata, or returns null when no such file exists. With `tenantId` the
 * file must also belong to that tenant; without it any tenant's file matches.
 */
export async function getStoredFile(env: Env, fileId: string, tenantId?: string): Promise<StoredFile | null> {
  const row = await findFile(env.DB, fileId, tenantId);
  return row ? toStoredFile(row) : null;
}

/**
 * Streams the stored object from R2 and yields records in order, with flat memory. The
 * file passed validation at upload, so an invalid row here (a changed object) raises at once.
 */
export async function* readFileRecords(env: Env, file: StoredFile): AsyncIterable<FileRecord> {
  const object = await env.FILES.get(file.r2_key);
  if (object === null) {
    throw new ApiError(500, "server_error", "file_content_missing", `The content of file '${file.id}' is missing from storage.`);
  }
  const options = { format: file.format, delimiter: file.delimiter, charset: file.charset };
  yield* parseRecords(iterateStream(object.body), options, new ParseReport(true));
}
