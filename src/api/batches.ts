// /api/batches: submit, list, read and cancel batches, and download their results.
import { Hono } from "hono";
import { z } from "zod";
import type { BatchProgress } from "../batch/progress";
import { coordinatorFor } from "../batch/coordinator-stub";
import { submitBatch, parseIdempotencyKey } from "../batch/submit";
import { BatchInputSchema } from "../batch/types";
import { batchObject, rowIsFinal } from "../batch/view";
import { providerLimitStatus } from "../ratelimit/gate";
import { DEFAULT_BATCH_PAGE_SIZE, MAX_BATCH_PAGE_SIZE } from "../config/limits";
import { readRetentionDays } from "../config/settings";
import { ApiError, notFound } from "../errors";
import { exportResults, OutputQuerySchema } from "../export";
import { DEFAULT_TENANT } from "../ingest/upload";
import { parseWith } from "../lib/validation";
import { errorFields, type Logger } from "../log/logger";
import type { CommonParams, OperationName } from "../operations/types";
import { findBatch, listBatches } from "../storage/batches";
import { openDatabase } from "../storage/db";
import type { BatchRow } from "../storage/schema/batches";
import type { AppEnv } from "./context";
import { idListPage } from "./list-page";
import { asObject, readJsonBody } from "./request";

const ListQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(MAX_BATCH_PAGE_SIZE).default(DEFAULT_BATCH_PAGE_SIZE),
    after: z.string().min(1).optional(),
  })
  .strict();

export const batches = new Hono<AppEnv>();

function tenantOf(c: { get(key: "tenantId"): string | undefined }): string {
  return c.get("tenantId") ?? DEFAULT_TENANT;
}

/**
 * Returns the live progress of an unfinished batch, or null once the row has the final
 * state. When the coordinator cannot be reached, it returns null so that the row's last
 * snapshot is shown, because a created batch must never get a 500 response.
 */
async function liveProgress(env: AppEnv["Bindings"], row: BatchRow, log: Logger): Promise<BatchProgress | null> {
  if (rowIsFinal(row)) return null;
  try {
    return await coordinatorFor(env, row.id).progress();
  } catch (error) {
    log.warn("reading live batch progress failed; showing the stored state", { batch_id: row.id, ...errorFields(error) });
    return null;
  }
}

async function loadBatch(env: AppEnv["Bindings"], id: string, tenantId: string): Promise<BatchRow> {
  const row = await findBatch(openDatabase(env.DB), id, tenantId);
  if (row === undefined) throw notFound("Batch", id);
  return row;
}

batches.post("/", async (c) => {
  const key = parseIdempotencyKey(c.req.header("idempotency-key"));
  const body = asObject(await readJsonBody(c));
  const { row, replayed } = await submitBatch(c.env, tenantOf(c), body, key, c.get("log"));
  const live = await liveProgress(c.env, row, c.get("log"));
  if (replayed) c.header("idempotent-replayed", "true");
  return c.json(batchObject(row, live, readRetentionDays(c.env)), replayed ? 200 : 201);
});

batches.get("/", async (c) => {
  const query = parseWith(ListQuerySchema, c.req.query());
  const rows = await listBatches(openDatabase(c.env.DB), tenantOf(c), query.limit + 1, query.after);
  const page = rows.slice(0, query.limit);
  const data = await Promise.all(page.map(async (row) => batchObject(row, await liveProgress(c.env, row, c.get("log")), readRetentionDays(c.env))));
  return c.json(idListPage(data, rows.length > query.limit));
});

batches.get("/:id", async (c) => {
  const row = await loadBatch(c.env, c.req.param("id"), tenantOf(c));
  const batch = batchObject(row, await liveProgress(c.env, row, c.get("log")), readRetentionDays(c.env));
  // While items run, the shared provider limiter's state shows why a batch may be slow.
  const rateLimit = rowIsFinal(row) ? null : await providerLimitStatus(c.env);
  return c.json(rateLimit === null ? batch : { ...batch, rate_limit: rateLimit });
});

batches.post("/:id/cancel", async (c) => {
  const row = await loadBatch(c.env, c.req.param("id"), tenantOf(c));
  // Cancelling a cancelled batch is not an error: it returns the same final state.
  if (row.status === "cancelled") return c.json(batchObject(row, null, readRetentionDays(c.env)));
  if (rowIsFinal(row)) throw finishedError(row.id, row.status);
  const { outcome, progress } = await coordinatorFor(c.env, row.id).cancel();
  if (outcome === "finished") throw finishedError(row.id, progress.status);
  c.get("log").info("batch cancel requested", { batch_id: row.id, outcome });
  return c.json(batchObject(row, progress, readRetentionDays(c.env)));
});

function finishedError(id: string, status: string): ApiError {
  return new ApiError(
    409,
    "conflict_error",
    "batch_not_cancellable",
    `Batch ${id} is ${status}, and only validating, queued, in_progress or cancelling batches can be cancelled. Download its results from /api/batches/${id}/output.`,
  );
}

batches.get("/:id/output", async (c) => {
  const query = parseWith(OutputQuerySchema, c.req.query());
  const row = await loadBatch(c.env, c.req.param("id"), tenantOf(c));
  const live = await liveProgress(c.env, row, c.get("log"));
  const status = live?.status ?? row.status;
  const final = rowIsFinal(row);
  return exportResults(
    c.env,
    {
      id: row.id,
      tenantId: row.tenantId,
      status,
      input: BatchInputSchema.parse(JSON.parse(row.input)),
      operation: row.operation as OperationName,
      params: JSON.parse(row.params) as CommonParams,
      partial: !final,
    },
    query,
    c.get("log"),
  );
});
