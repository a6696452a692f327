// GET /api/batches/{id}/output: results as a JSON page, or the whole set streamed as
// JSONL or CSV. Unfinished batches give what is stored so far, marked partial.
import { z } from "zod";
import { DEFAULT_RESULT_PAGE_SIZE, MAX_RESULT_PAGE_SIZE } from "../config/limits";
import { invalidRequest } from "../errors";
import type { CommonParams, OperationName } from "../operations/types";
import type { Database } from "../storage/db";
import { readResultsPage } from "../storage/results";
import { headerOf, outputColumns, valuesOf } from "./columns";
import { csvRow } from "./csv";
import { recordOf } from "./records";
import { streamResults } from "./stream";

export const OutputQuerySchema = z
  .object({
    format: z.enum(["json", "jsonl", "csv"]).default("json"),
    bom: z.enum(["true", "false"], { error: 'use "true" or "false"' }).optional(),
    limit: z.coerce.number().int().min(1).max(MAX_RESULT_PAGE_SIZE).optional(),
    after: z.coerce.number().int().min(0).optional(),
  })
  .strict();
export type OutputQuery = z.infer<typeof OutputQuerySchema>;

export interface ExportedBatch {
  id: string;
  status: string;
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

export async function exportResults(db: Database, batch: ExportedBatch, query: OutputQuery): Promise<Response> {
  checkOutputQuery(query);

  if (query.format === "jsonl") {
    const body = streamResults(db, batch.id, (record) => `${JSON.stringify(record)}\n`);
    return new Response(body, { headers: headers(batch, "application/x-ndjson; charset=utf-8", "jsonl") });
  }

  if (query.format === "csv") {
    const columns = outputColumns(batch.operation, batch.params);
    const prefix = (query.bom === "true" ? "\uFEFF" : "") + csvRow(headerOf(columns));
    const body = streamResults(db, batch.id, (record) => csvRow(valuesOf(record, columns)), prefix);
    return new Response(body, { headers: headers(batch, "text/csv; charset=utf-8", "csv") });
  }

  const limit = query.limit ?? DEFAULT_RESULT_PAGE_SIZE;
  const rows = await readResultsPage(db, batch.id, query.after ?? -1, limit + 1);
  const page = rows.slice(0, limit).map(recordOf);
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
