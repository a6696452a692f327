// The items of a batch, read once by the input pass: inline items from the JSONL
// object stored at submit time, or records of an uploaded file mapped to items.
import { MAX_ITEM_TEXT_CHARS } from "../config/limits";
import type { Env } from "../env";
import { ApiError } from "../errors";
import { type FileRecord, getStoredFile, readFileRecords } from "../ingest";
import type { NamedTemplate } from "../operations/template";
import { missingPlaceholders } from "../operations/template";
import { readLines } from "./lines";
import { type BatchInput, type ChunkItem, ChunkItemSchema } from "./types";

/** Raised when the input cannot be read at all. Retrying will not help, so the batch fails. */
export class InputUnavailableError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "InputUnavailableError";
  }
}

async function* readInlineItems(env: Env, key: string): AsyncGenerator<ChunkItem> {
  const object = await env.FILES.get(key);
  if (object === null) throw new InputUnavailableError("input_missing", `The stored input of this batch (${key}) is missing.`);
  for await (const line of readLines(object.body)) {
    if (line !== "") yield ChunkItemSchema.parse(JSON.parse(line));
  }
}

/** Column mapping of a file batch, as validated at submit time. */
export interface FileMapping {
  idColumn: string | null;
  textColumn: string;
}

function cellText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  return JSON.stringify(value);
}

/**
 * Maps one file record to an item. Without an id column the line number is the id.
 * A record without text, with text over MAX_ITEM_TEXT_CHARS, or without a field a
 * template needs becomes an item-level error instead of a model call.
 */
export function recordToItem(record: FileRecord, mapping: FileMapping, templates: readonly NamedTemplate[]): ChunkItem {
  const { index, line, values } = record;
  const id = mapping.idColumn === null ? String(line) : (cellText(values[mapping.idColumn]) ?? "");
  const text = cellText(values[mapping.textColumn]);

  if (text === null) {
    return { index, id, error: { code: "missing_field", message: `line ${line} has no value in column "${mapping.textColumn}"` } };
  }
  if (text.length > MAX_ITEM_TEXT_CHARS) {
    return {
      index,
      id,
      error: { code: "input_too_long", message: `line ${line}: the text has ${text.length} characters, over the limit of ${MAX_ITEM_TEXT_CHARS}` },
    };
  }

  const metadata: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(values)) {
    if (column !== mapping.idColumn && column !== mapping.textColumn) metadata[column] = value;
  }
  const item = { index, id, text, metadata };
  const missing = [...missingPlaceholders(templates, [item]).keys()];
  if (missing.length > 0) {
    return {
      index,
      id,
      error: { code: "missing_field", message: `line ${line} has no value for ${missing.map((name) => `{${name}}`).join(", ")}` },
    };
  }
  return item;
}

async function* readFileItems(env: Env, tenantId: string, input: Extract<BatchInput, { source: "file" }>, templates: readonly NamedTemplate[]) {
  const file = await getStoredFile(env, input.file_id, tenantId);
  if (file === null) throw new InputUnavailableError("file_missing", `File ${input.file_id} was deleted before the batch read it.`);
  const mapping = { idColumn: input.id_column, textColumn: input.text_column };
  try {
    for await (const record of readFileRecords(env, file)) yield recordToItem(record, mapping, templates);
  } catch (error) {
    // The reader raises ApiError for content that is gone or no longer parses: final, not transient.
    if (error instanceof ApiError) throw new InputUnavailableError(error.code, error.message);
    throw error;
  }
}

/** Streams a batch's items in input order. */
export function readBatchItems(env: Env, tenantId: string, input: BatchInput, templates: readonly NamedTemplate[]): AsyncIterable<ChunkItem> {
  return input.source === "inline" ? readInlineItems(env, input.r2_key) : readFileItems(env, tenantId, input, templates);
}
