// One upload from start to end: choose the format, store the bytes in R2, validate them by
// streaming the stored object back, then record the file in D1. Any failure removes the object.
import type { Env } from "../env";
import { invalidRequest } from "../errors";
import { errorFields, type Logger } from "../log/logger";
import { insertFile } from "../storage/files";
import type { FileRow } from "../storage/schema/files";
import { iterateStream } from "./bytes";
import { parseDelimiter } from "./csv-delimiter";
import { resolveCharset } from "./decode";
import { charsetOf, chooseFormat } from "./format";
import { inspectFile } from "./records";
import { storeKnownLength, storeStream } from "./store";
import type { FileFormat, ParseOptions } from "./types";

export const DEFAULT_TENANT = "default";

/** The caller's choices; any left out are detected. */
export interface UploadOptions {
  format?: FileFormat;
  delimiter?: string;
  charset?: string;
}

export interface UploadRequest {
  tenantId: string;
  filename: string;
  /** The Content-Type of the raw body or of the multipart file part. */
  contentType: string | null;
  options: UploadOptions;
  /** A stream of known length is stored as it is; chunks of unknown length are counted against the limit. */
  body: { stream: ReadableStream<Uint8Array>; length: number } | { chunks: AsyncIterable<Uint8Array> };
  /** Runs after the bytes are stored and before validation, for example to reject extra form parts. */
  afterStore?: () => Promise<void>;
  log: Logger;
}

/** Turns the caller's options and the Content-Type into parse options, raising a 400 for an invalid one. */
export function resolveParseOptions(filename: string, contentType: string | null, options: UploadOptions): ParseOptions {
  const choice = chooseFormat(options.format, filename, contentType);
  if (options.delimiter !== undefined && choice.format !== "csv") {
    throw invalidRequest("invalid_delimiter", `The delimiter parameter applies only to CSV files, and this file's format is ${choice.format}.`, "delimiter");
  }
  const delimiter = options.delimiter !== undefined ? parseDelimiter(options.delimiter) : choice.delimiter;
  const label = options.charset ?? charsetOf(contentType);
  return { format: choice.format, delimiter, charset: label === null ? null : resolveCharset(label) };
}

/** Stores, validates and records one upload; returns the new file's row. */
export async function ingestUpload(env: Env, request: UploadRequest): Promise<FileRow> {
  const parseOptions = resolveParseOptions(request.filename, request.contentType, request.options);
  const id = `file_${crypto.randomUUID().replaceAll("-", "")}`;
  const r2Key = `files/${request.tenantId}/${id}`;
  const log = request.log.child({ file_id: id });

  // NOTE: if the Worker dies between storing and the D1 insert, the R2 object stays
  // without a row; nothing sweeps such objects yet.
  try {
    const bytes =
      "stream" in request.body
        ? await storeKnownLength(env.FILES, r2Key, request.body.stream, request.body.length)
        : await storeStream(env.FILES, r2Key, request.body.chunks);
    await request.afterStore?.();

    const object = await env.FILES.get(r2Key);
    if (object === null) throw new Error(`R2 object ${r2Key} vanished right after it was stored`);
    const summary = await inspectFile(iterateStream(object.body), parseOptions);

    const row: FileRow = {
      id,
      tenantId: request.tenantId,
      filename: request.filename,
      bytes,
      format: parseOptions.format,
      itemCount: summary.item_count,
      columns: summary.columns,
      delimiter: summary.delimiter,
      skippedRows: summary.skipped_rows,
      skippedLines: summary.skipped_lines,
      charset: summary.charset,
      contentType: request.contentType,
      r2Key,
      createdAt: new Date().toISOString(),
    };
    await insertFile(env.DB, row);
    log.info("file stored", { bytes, format: row.format, item_count: row.itemCount });
    return row;
  } catch (error) {
    await env.FILES.delete(r2Key).catch((cleanup) => log.error("failed to remove a rejected upload from R2", { r2_key: r2Key, ...errorFields(cleanup) }));
    throw error;
  }
}
