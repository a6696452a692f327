// Request bodies of /api/schedules, and the checks a schedule passes before it is
// stored: a cron expression that parses and matches some future minute, and a batch
// template that POST /api/batches would accept with the schedule's input.
import { z } from "zod";
import { MAX_SCHEDULE_NAME_CHARS, MAX_SCHEDULE_PREFIX_CHARS, MAX_SCHEDULE_TEMPLATE_BYTES } from "../config/limits";
import { columnsOf, parseCompletionWindow, resolveMapping } from "../batch/submit";
import type { Env } from "../env";
import { ApiError, invalidRequest, payloadTooLarge } from "../errors";
import { getStoredFile } from "../ingest";
import { parseWith } from "../lib/validation";
import { parseOperationParams } from "../operations/request";
import { getOperation } from "../operations/registry";
import { assertPlaceholdersFilled } from "../operations/template";
import { OPERATION_NAMES } from "../operations/types";
import { type CronSchedule, CronError, nextRun, parseCron } from "./cron";

const SOURCE_HINT = 'send exactly one of "file_id" (a fixed file, read on every run) or "prefix" (each run reads the files uploaded since the last run whose filename starts with it)';

export const ScheduleSourceSchema = z
  .strictObject({
    file_id: z.string().min(1).max(200).optional(),
    // Uploads keep only the last path segment of a filename, so a prefix with a folder would never match.
    prefix: z
      .string()
      .min(1)
      .max(MAX_SCHEDULE_PREFIX_CHARS)
      .refine((prefix) => !/[\\/]/.test(prefix), 'must not contain "/" or "\\": uploads keep only the base name (nightly/a.csv is stored as a.csv), so use a prefix such as "nightly-"')
      .optional(),
  })
  .refine((source) => (source.file_id === undefined) !== (source.prefix === undefined), { message: SOURCE_HINT });
export type ScheduleSource = z.infer<typeof ScheduleSourceSchema>;

const NameSchema = z.string().trim().min(1, "must not be empty").max(MAX_SCHEDULE_NAME_CHARS);
const TemplateSchema = z.record(z.string(), z.unknown());

export const CreateScheduleSchema = z.strictObject({
  name: NameSchema,
  cron: z.string(),
  batch: TemplateSchema,
  source: ScheduleSourceSchema,
  paused: z.boolean().default(false),
});
export type CreateSchedule = z.infer<typeof CreateScheduleSchema>;

export const UpdateScheduleSchema = z
  .strictObject({
    name: NameSchema.optional(),
    cron: z.string().optional(),
    batch: TemplateSchema.optional(),
    source: ScheduleSourceSchema.optional(),
    paused: z.boolean().optional(),
  })
  .refine((update) => Object.keys(update).length > 0, { message: "send at least one of name, cron, batch, source or paused" });
export type UpdateSchedule = z.infer<typeof UpdateScheduleSchema>;

/** Template fields that belong to the batch rather than to the operation. */
const TemplateFieldsSchema = z.object({
  operation: z.enum(OPERATION_NAMES),
  id_column: z.string().min(1).optional(),
  text_column: z.string().min(1).optional(),
  completion_window: z.string().optional(),
});
const TEMPLATE_FIELDS = ["operation", "id_column", "text_column", "completion_window"];

/** Fields of POST /api/batches that a schedule's source provides instead. */
const INPUT_FIELDS = ["items", "file_id"];

/** Parses a cron expression and checks that it matches a minute after `now`. Throws a 400 that names the bad field. */
export function parseScheduleCron(expression: string, now: Date): CronSchedule {
  let cron: CronSchedule;
  try {
    cron = parseCron(expression);
  } catch (error) {
    if (!(error instanceof CronError)) throw error;
    throw invalidRequest(
      "invalid_cron",
      `cron "${expression}" is invalid: ${error.message}. Write five fields in UTC: minute hour day-of-month month day-of-week, such as "0 2 * * *" for 02:00 every day.`,
      "cron",
      { field: error.field },
    );
  }
  if (nextRun(cron, now) === null) {
    throw invalidRequest("invalid_cron", `cron "${expression}" matches no date in the next 5 years (such as 30 FEB). Pick a day that exists.`, "cron");
  }
  return cron;
}

/** Runs `check`, reporting any 4xx it raises as a problem of the request field `field`. */
function inField<T>(field: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const param = error.options.param === undefined ? field : `${field}.${error.options.param}`;
    throw new ApiError(error.status, error.type, error.code, `In ${field}: ${error.message}`, { ...error.options, param });
  }
}

/**
 * Checks a batch template as far as possible before any run: its size, the operation
 * and its parameters, the completion window, and for a fixed file that the file exists
 * and has the mapped columns and every placeholder's field. A prefix source's columns
 * can only be checked per file, when a run starts its batch.
 */
export async function validateTemplate(env: Env, tenantId: string, template: Record<string, unknown>, source: ScheduleSource): Promise<void> {
  for (const field of INPUT_FIELDS) {
    if (field in template) {
      throw invalidRequest("invalid_parameter", `batch.${field}: a schedule's input comes from its source, so remove "${field}" from batch.`, `batch.${field}`);
    }
  }
  const bytes = new TextEncoder().encode(JSON.stringify(template)).byteLength;
  if (bytes > MAX_SCHEDULE_TEMPLATE_BYTES) {
    throw payloadTooLarge(`batch is ${bytes} bytes as JSON, over the limit of ${MAX_SCHEDULE_TEMPLATE_BYTES} bytes for a schedule's template. Shorten its prompts or lists.`, {
      limit_bytes: MAX_SCHEDULE_TEMPLATE_BYTES,
    });
  }

  const picked = Object.fromEntries(TEMPLATE_FIELDS.filter((key) => key in template).map((key) => [key, template[key]]));
  const fields = parseWith(TemplateFieldsSchema, picked, "batch");
  const operationFields = Object.fromEntries(Object.entries(template).filter(([key]) => !TEMPLATE_FIELDS.includes(key)));
  const params = inField("batch", () => {
    if (fields.completion_window !== undefined) parseCompletionWindow(fields.completion_window);
    return parseOperationParams(fields.operation, operationFields);
  });
  if (source.file_id === undefined) return;

  const stored = await getStoredFile(env, source.file_id, tenantId);
  if (stored === null) {
    throw new ApiError(404, "not_found_error", "file_not_found", `source.file_id: file '${source.file_id}' was not found. Upload it with POST /api/files first.`, {
      param: "source.file_id",
    });
  }
  const fileColumns = await columnsOf(env, stored);
  inField("batch", () => {
    const mapping = resolveMapping(stored, fileColumns, fields.id_column, fields.text_column);
    // One item with every other column shows which placeholders no column can fill.
    const columns = fileColumns.filter((column) => column !== mapping.idColumn && column !== mapping.textColumn);
    const metadata = Object.fromEntries(columns.map((column) => [column, ""]));
    assertPlaceholdersFilled(getOperation(fields.operation).templates(params), [{ index: 0, id: "", text: "", metadata }]);
  });
}
