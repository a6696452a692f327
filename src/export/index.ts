// GET /api/batches/{id}/output: results as a JSON page, or the whole set streamed as
// JSONL or CSV, each with the item's input unless include_input=false. Unfinished
// batches give what is stored so far, marked partial.
import { z } from "zod";
import type { BatchInput } from "../batch/types";
import { DEFAULT_RESULT_PAGE_SIZE, MAX_RESULT_PAGE_SIZE } from "../config/limits";
import type { Env } from "../env";
import { invalidRequest } from "../errors";
import type { Logger } from "../log/logger";
import type { CommonParams, OperationName } from "../operations/types";
import { openDatabase } from "../storage/db";
import { readResultsPage } from "../storage/results";
import { type CsvLayout, FIXED_COLUMNS, headerOf, outputColumns, valuesOf } from "./columns";
import { csvRow } from "./csv";
import { nameInputColumns, planInputColumns } from "./input-columns";
import { chunkSourceFor, InputCursor } from "./inputs";
import { recordsOf } from "./records";
import { streamResults } from "./stream";

const FlagSchema = z.enum(["true", "false"], { error: 'use "true" or "false"' });

export const OutputQuerySchema = z
  .object({
    format: z.enum(["json", "jsonl", "csv"]).default("json"),
    bom: FlagSchema.optional(),
    include_input: FlagSchema.default("true"),
    limit: z.coerce.number().int().min(1).max(MAX_RESULT_PAGE_SIZE).optional(),
    after: z.coerce.number().int().min(0).optional(),
  })
  .strict();
export type OutputQuery = z.infer<typeof OutputQuerySchema>;

export interface ExportedBatch {
  id: string;
  tenantId: string;
  status: string;
  input: BatchInput;
  operation: OperationName;
  params: CommonParams;
  /** True while the batch is unfinished, so results may still be added. */
  partial: boolean;
}

/** Rejects parameters that do not apply to the chosen format instead of ignoring them. */
export function checkOutputQuery(query: OutputQuery): void {
  if (query.bom !== undefined && query.format !== "csv") {
    throw invalidRequest("invalid_parameter", `bom applies to format=csv only. Remove it for format=${query.format}.`, "bom");
  }
  for (const name of ["limit", "after"] as const) {
    if (query[name] !== undefined && query.format !== "json") {
      throw invalidRequest(
        "invalid_parameter",
        `${name} pages the JSON download only. format=${query.format} streams every result, so remove ${name}.`,
        name,
      );
    }
  }
}

/** Builds the response headers. Downloads of the whole set (with an `extension`) are named attachments. */
function headers(batch: ExportedBatch, contentType: string, extension?: string): Record<string, string> {
  const named: Record<string, string> = extension ? { "content-disposition": `attachment; filename="${batch.id}-results.${extension}"` } : {};
  return { "content-type": contentType, ...named, "x-batch-status": batch.status, "x-batch-partial": String(batch.partial) };
}

async function csvLayout(env: Env, batch: ExportedBatch, inputs: InputCursor | null): Promise<CsvLayout> {
  const outputs = outputColumns(batch.operation, batch.params);
  if (inputs === null) return { outputs, inputs: null };
  const plan = await planInputColumns(env, batch.tenantId, batch.input, inputs);
  return { outputs, inputs: nameInputColumns(plan, [...FIXED_COLUMNS, ...outputs.map((column) => column.name)]) };
}

export async function exportResults(env: Env, batch: ExportedBatch, query: OutputQuery, log: Logger): Promise<Response> {
  checkOutputQuery(query);
  const db = openDatabase(env.DB);
  const inputs = query.include_input === "true" ? new InputCursor(chunkSourceFor(env, batch.id), log.child({ batch_id: batch.id })) : null;

  if (query.format === "jsonl") {
    const body = streamResults(db, batch.id, (record) => `${JSON.stringify(record)}\n`, { inputs });
    return new Response(body, { headers: headers(batch, "application/x-ndjson; charset=utf-8", "jsonl") });
  }

  if (query.format === "csv") {
    const layout = await csvLayout(env, batch, inputs);
    const prefix = (query.bom === "true" ? "\uFEFF" : "") + csvRow(headerOf(layout));
    const body = streamResults(db, batch.id, (record) => csvRow(valuesOf(record, layout)), { prefix, inputs });
    return new Response(body, { headers: headers(batch, "text/csv; charset=utf-8", "csv") });
  }

  const limit = query.limit ?? DEFAULT_RESULT_PAGE_SIZE;
  const rows = await readResultsPage(db, batch.id, query.after ?? -1, limit + 1);
  const page = await recordsOf(rows.slice(0, limit), inputs);
  const hasMore = rows.length > limit;
  const last = page.length > 0 ? page[page.length - 1].index : null;
  const body = {
    object: "list",
    batch_id: batch.id,
    status: batch.status,
    partial: batch.partial,
    data: page,
    has_more: hasMore,
    next_after: hasMore ? last : null,
  };
  return new Response(JSON.stringify(body), { headers: headers(batch, "application/json; charset=utf-8") });
}
