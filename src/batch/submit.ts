// POST /api/batches: validates the whole request before anything is created, then
// creates the coordinator, stores inline items in R2, writes the batch row and
// enqueues the input pass. An Idempotency-Key replays the batch it created first.
import { z } from "zod";
import {
  DEFAULT_COMPLETION_WINDOW,
  MAX_BATCH_INLINE_ITEMS,
  MAX_COMPLETION_WINDOW_SECONDS,
  MAX_IDEMPOTENCY_KEY_CHARS,
  MIN_COMPLETION_WINDOW_SECONDS,
} from "../config/limits";
import { readLlmSettings } from "../config/settings";
import type { Env } from "../env";
import { ApiError, conflict, invalidRequest } from "../errors";
import { getStoredFile, readFileRecords, type StoredFile } from "../ingest";
import { parseWith } from "../lib/validation";
import type { Logger } from "../log/logger";
import type { PreparedItem } from "../operations/items";
import { getOperation } from "../operations/registry";
import { parseOperationParams, parseOperationRequest } from "../operations/request";
import { assertPlaceholdersFilled } from "../operations/template";
import { OPERATION_NAMES, type CommonParams } from "../operations/types";
import { findBatchByIdempotencyKey, insertBatch } from "../storage/batches";
import { openDatabase } from "../storage/db";
import type { BatchRow } from "../storage/schema/batches";
import { coordinatorFor } from "./coordinator-stub";
import { sendMessages } from "./messages";
import { type BatchInput, type BatchMessage, inputKey } from "./types";

/** Request fields that belong to the batch. Every other field belongs to the operation. */
const BatchFieldsSchema = z.object({
  operation: z.enum(OPERATION_NAMES),
  file_id: z.string().min(1).max(200).optional(),
  id_column: z.string().min(1).optional(),
  text_column: z.string().min(1).optional(),
  completion_window: z.string().default(DEFAULT_COMPLETION_WINDOW),
});
const BATCH_FIELDS = ["operation", "file_id", "id_column", "text_column", "completion_window"];

const WINDOW_UNITS: Record<string, number> = { m: 60, h: 3600, d: 86_400 };

/** Parses a completion window such as "24h" into seconds. */
export function parseCompletionWindow(text: string): number {
  const match = /^(\d{1,6})([mhd])$/.exec(text);
  const seconds = match ? Number(match[1]) * WINDOW_UNITS[match[2]] : NaN;
  if (!(seconds >= MIN_COMPLETION_WINDOW_SECONDS && seconds <= MAX_COMPLETION_WINDOW_SECONDS)) {
    throw invalidRequest(
      "invalid_completion_window",
      `completion_window "${text}" is invalid: use a whole number with m, h or d (such as "24h"), from ${MIN_COMPLETION_WINDOW_SECONDS / 60}m to ${MAX_COMPLETION_WINDOW_SECONDS / 86_400}d.`,
      "completion_window",
    );
  }
  return seconds;
}

/** Reads the Idempotency-Key header: printable ASCII, at most MAX_IDEMPOTENCY_KEY_CHARS. */
export function parseIdempotencyKey(header: string | undefined): string | null {
  if (header === undefined) return null;
  if (header.length === 0 || header.length > MAX_IDEMPOTENCY_KEY_CHARS || !/^[\x21-\x7e]+$/.test(header)) {
    throw invalidRequest(
      "invalid_idempotency_key",
      `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_CHARS} printable ASCII characters without spaces, but it has ${header.length} characters.`,
      "Idempotency-Key",
    );
  }
  return header;
}

/** JSON text with object keys sorted at every level, so equal bodies hash equally. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value as object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value);
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Creates a batch id whose text order is its creation order, so it doubles as the list cursor. */
function newBatchId(now: number): string {
  const random = [...crypto.getRandomValues(new Uint8Array(8))].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `batch_${now.toString(36).padStart(9, "0")}${random}`;
}

/** JSON records read to learn the keys of a JSON or JSONL file, whose upload lists no columns. */
const JSON_KEY_SAMPLE_RECORDS = 100;

/**
 * Returns the columns of a file: the CSV header, or for JSON and JSONL the keys found
 * in its first JSON_KEY_SAMPLE_RECORDS records.
 */
export async function columnsOf(env: Env, file: StoredFile): Promise<string[]> {
  if (file.columns.length > 0 || (file.format !== "json" && file.format !== "jsonl")) return file.columns;
  const keys = new Set<string>();
  let read = 0;
  for await (const record of readFileRecords(env, file)) {
    for (const key of Object.keys(record.values)) keys.add(key);
    if (++read >= JSON_KEY_SAMPLE_RECORDS) break;
  }
  return [...keys];
}

function columnList(columns: readonly string[]): string {
  return columns.map((column) => `"${column}"`).join(", ");
}

/** Resolves and checks the column mapping of a file batch against the file's columns. */
export function resolveMapping(file: StoredFile, fileColumns: readonly string[], idColumn: string | undefined, textColumn: string | undefined) {
  if (file.format === "text") {
    if (idColumn !== undefined) {
      throw invalidRequest("invalid_column", `id_column: file ${file.id} is plain text, where each line's number is its id. Remove id_column.`, "id_column");
    }
    if (textColumn !== undefined && textColumn !== "text") {
      throw invalidRequest("unknown_column", `text_column: file ${file.id} is plain text, whose only column is "text".`, "text_column");
    }
    return { idColumn: null, textColumn: "text" };
  }

  const columns = new Set(fileColumns);
  let text = textColumn;
  if (text === undefined && columns.has("text")) text = "text";
  if (text === undefined && fileColumns.length === 1) text = fileColumns[0];
  if (text === undefined) {
    throw invalidRequest("missing_text_column", `text_column is required: file ${file.id} has no "text" column. Its columns are ${columnList(fileColumns)}.`, "text_column");
  }
  for (const [param, column] of [["text_column", text], ["id_column", idColumn]] as const) {
    if (column !== undefined && !columns.has(column)) {
      throw invalidRequest("unknown_column", `${param}: file ${file.id} has no column "${column}". Its columns are ${columnList(fileColumns)}.`, param);
    }
  }
  const id = idColumn ?? (columns.has("id") && text !== "id" ? "id" : null);
  if (id === text) throw invalidRequest("invalid_column", `id_column and text_column are both "${text}". Pick two different columns.`, "id_column");
  return { idColumn: id, textColumn: text };
}

interface ValidatedRequest {
  operation: (typeof OPERATION_NAMES)[number];
  params: CommonParams;
  windowSeconds: number;
  completionWindow: string;
  /** Inline items, or null for a file batch. */
  items: PreparedItem[] | null;
  file: { stored: StoredFile; idColumn: string | null; textColumn: string } | null;
}

async function validateRequest(env: Env, tenantId: string, body: Record<string, unknown>): Promise<ValidatedRequest> {
  const batchFields = parseWith(BatchFieldsSchema, Object.fromEntries(BATCH_FIELDS.filter((key) => key in body).map((key) => [key, body[key]])));
  const operationFields = Object.fromEntries(Object.entries(body).filter(([key]) => !BATCH_FIELDS.includes(key)));
  const windowSeconds = parseCompletionWindow(batchFields.completion_window);
  const common = { operation: batchFields.operation, windowSeconds, completionWindow: batchFields.completion_window };

  if (batchFields.file_id === undefined) {
    if (!("items" in body)) throw invalidRequest("missing_input", 'Send the items inline as "items", or upload a file with POST /api/files and send its "file_id".', "items");
    for (const param of ["id_column", "text_column"] as const) {
      if (batchFields[param] !== undefined) throw invalidRequest("invalid_parameter", `${param} applies to file batches only. Remove it or send file_id.`, param);
    }
    const request = parseOperationRequest(batchFields.operation, operationFields, {
      maxItems: MAX_BATCH_INLINE_ITEMS,
      tooManyHint: "Upload larger inputs with POST /api/files and submit the batch with file_id.",
    });
    return { ...common, params: request.params, items: request.items, file: null };
  }

  if ("items" in body) throw invalidRequest("conflicting_input", 'Send either "items" or "file_id", not both.', "file_id");
  const params = parseOperationParams(batchFields.operation, operationFields);
  const stored = await getStoredFile(env, batchFields.file_id, tenantId);
  if (stored === null) {
    throw new ApiError(404, "not_found_error", "file_not_found", `file_id: file '${batchFields.file_id}' was not found. Upload it with POST /api/files first.`, {
      param: "file_id",
    });
  }
  const columns = await columnsOf(env, stored);
  const mapping = resolveMapping(stored, columns, batchFields.id_column, batchFields.text_column);

  // One item with every column shows which placeholders no column can fill.
  const metadata = Object.fromEntries(columns.filter((column) => column !== mapping.idColumn && column !== mapping.textColumn).map((column) => [column, ""]));
  assertPlaceholdersFilled(getOperation(batchFields.operation).templates(params), [{ index: 0, id: "", text: "", metadata }]);
  return { ...common, params, items: null, file: { stored, ...mapping } };
}

export interface SubmitOutcome {
  row: BatchRow;
  replayed: boolean;
}

function replayOrConflict(existing: BatchRow, requestHash: string, key: string): SubmitOutcome {
  if (existing.requestHash !== requestHash) {
    throw conflict("idempotency_key_reused", `Idempotency-Key "${key}" was used for a different request (batch ${existing.id}). Use a new key for a new batch.`);
  }
  return { row: existing, replayed: true };
}

/** Validates and creates a batch. With a known idempotency key, it returns the batch that key created. */
export async function submitBatch(
  env: Env,
  tenantId: string,
  body: Record<string, unknown>,
  idempotencyKey: string | null,
  log: Logger,
): Promise<SubmitOutcome> {
  const db = openDatabase(env.DB);
  const requestHash = await sha256Hex(canonicalJson(body));
  if (idempotencyKey !== null) {
    const existing = await findBatchByIdempotencyKey(db, tenantId, idempotencyKey);
    if (existing !== undefined) return replayOrConflict(existing, requestHash, idempotencyKey);
  }

  const request = await validateRequest(env, tenantId, body);
  const now = Date.now();
  const id = newBatchId(now);
  const expiresAt = new Date(now + request.windowSeconds * 1000).toISOString();
  const total = request.items?.length ?? request.file?.stored.item_count ?? 0;

  let input: BatchInput;
  if (request.items !== null) {
    input = { source: "inline", r2_key: inputKey(id) };
    const lines = request.items.map((item) => JSON.stringify({ index: item.index, id: item.id, text: item.text, metadata: item.metadata }));
    await env.FILES.put(input.r2_key, `${lines.join("\n")}\n`);
  } else {
    const file = request.file!;
    input = { source: "file", file_id: file.stored.id, id_column: file.idColumn, text_column: file.textColumn };
  }

  // The coordinator exists before the row: its watchdog discards it if the row never appears.
  await coordinatorFor(env, id).init({ batch_id: id, total, expires_at: expiresAt });
  const row: BatchRow = {
    id,
    tenantId,
    operation: request.operation,
    params: JSON.stringify(request.params),
    input: JSON.stringify(input),
    fileId: request.file?.stored.id ?? null,
    model: request.params.model ?? readLlmSettings(env).model,
    completionWindow: request.completionWindow,
    idempotencyKey,
    requestHash,
    status: "validating",
    total,
    completed: 0,
    failed: 0,
    cancelled: 0,
    expired: 0,
    promptTokens: 0,
    completionTokens: 0,
    errors: null,
    createdAt: new Date(now).toISOString(),
    startedAt: null,
    finalizingAt: null,
    completedAt: null,
    failedAt: null,
    cancellingAt: null,
    cancelledAt: null,
    expiredAt: null,
    expiresAt,
  };
  if (!(await insertBatch(db, row))) {
    // A concurrent request with the same key won the insert.
    const existing = await findBatchByIdempotencyKey(db, tenantId, idempotencyKey ?? "");
    if (existing === undefined) throw new Error(`inserting batch ${id} failed, but no batch has its idempotency key`);
    return replayOrConflict(existing, requestHash, idempotencyKey ?? "");
  }

  try {
    await sendMessages<BatchMessage>(env.BATCH_QUEUE, [{ type: "prepare", batch_id: id }]);
  } catch (error) {
    // The coordinator's watchdog sends the input pass again, so the batch is still accepted.
    log.error("enqueueing the input pass failed; the watchdog will retry", { batch_id: id, error: (error as Error).message });
  }
  log.info("batch created", { batch_id: id, operation: request.operation, total, source: input.source });
  return { row, replayed: false };
}
