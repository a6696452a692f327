// /api/schedules: create, list, read, change (pause, resume, cron, template, source,
// name) and delete schedules that start batches on a cron expression.
import { Hono, type Context } from "hono";
import { z } from "zod";
import { DEFAULT_SCHEDULE_PAGE_SIZE, MAX_SCHEDULE_PAGE_SIZE, MAX_SCHEDULES_PER_TENANT, SCHEDULE_RECENT_RUNS } from "../config/limits";
import { conflict, notFound } from "../errors";
import { DEFAULT_TENANT } from "../ingest/upload";
import { parseWith } from "../lib/validation";
import { nextRun } from "../schedules/cron";
import { CreateScheduleSchema, parseScheduleCron, UpdateScheduleSchema, validateTemplate } from "../schedules/request";
import { scheduleObject } from "../schedules/view";
import { openDatabase } from "../storage/db";
import type { ScheduleRow } from "../storage/schema/schedules";
import {
  countSchedules,
  deleteSchedule,
  findSchedule,
  insertSchedule,
  listRecentRuns,
  listSchedules,
  type ScheduleChanges,
  updateSchedule,
} from "../storage/schedules";
import type { AppEnv } from "./context";
import { idListPage } from "./list-page";
import { asObject, readJsonBody } from "./request";

const ListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_SCHEDULE_PAGE_SIZE).default(DEFAULT_SCHEDULE_PAGE_SIZE),
  after: z.string().min(1).optional(),
});

/** Creates a schedule id whose text order is its creation order, so it doubles as the list cursor. */
function newScheduleId(now: number): string {
  const random = [...crypto.getRandomValues(new Uint8Array(8))].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `sched_${now.toString(36).padStart(9, "0")}${random}`;
}

function tenantOf(c: Context<AppEnv>): string {
  return c.get("tenantId") ?? DEFAULT_TENANT;
}

async function loadSchedule(c: Context<AppEnv>): Promise<ScheduleRow> {
  const id = c.req.param("id")!;
  const row = await findSchedule(openDatabase(c.env.DB), id, tenantOf(c));
  if (row === undefined) throw notFound("Schedule", id);
  return row;
}

function nextRunIso(cron: string, paused: boolean, now: Date): string | null {
  return paused ? null : (nextRun(parseScheduleCron(cron, now), now)?.toISOString() ?? null);
}

export const schedules = new Hono<AppEnv>();

schedules.post("/", async (c) => {
  const body = parseWith(CreateScheduleSchema, asObject(await readJsonBody(c)));
  const tenantId = tenantOf(c);
  const db = openDatabase(c.env.DB);
  const now = new Date();
  parseScheduleCron(body.cron, now);
  await validateTemplate(c.env, tenantId, body.batch, body.source);
  if ((await countSchedules(db, tenantId)) >= MAX_SCHEDULES_PER_TENANT) {
    throw conflict("schedule_limit_reached", `This tenant has ${MAX_SCHEDULES_PER_TENANT} schedules, the maximum. Delete one before creating another.`);
  }

  const iso = now.toISOString();
  const row: ScheduleRow = {
    id: newScheduleId(now.getTime()),
    tenantId,
    name: body.name,
    cron: body.cron.trim(),
    template: JSON.stringify(body.batch),
    fileId: body.source.file_id ?? null,
    prefix: body.source.prefix ?? null,
    paused: body.paused,
    nextRunAt: nextRunIso(body.cron, body.paused, now),
    lastRunAt: null,
    watermarkAt: iso,
    watermarkFileId: "",
    createdAt: iso,
    updatedAt: iso,
  };
  await insertSchedule(db, row);
  c.get("log").info("schedule created", { schedule_id: row.id, cron: row.cron, next_run_at: row.nextRunAt });
  return c.json(scheduleObject(row), 201);
});

schedules.get("/", async (c) => {
  const query = parseWith(ListQuerySchema, c.req.query(), "query");
  const rows = await listSchedules(openDatabase(c.env.DB), tenantOf(c), query.limit + 1, query.after);
  const data = rows.slice(0, query.limit).map((row) => scheduleObject(row));
  return c.json(idListPage(data, rows.length > query.limit));
});

schedules.get("/:id", async (c) => {
  const row = await loadSchedule(c);
  const runs = await listRecentRuns(openDatabase(c.env.DB), row.id, SCHEDULE_RECENT_RUNS);
  return c.json(scheduleObject(row, runs));
});

schedules.patch("/:id", async (c) => {
  const update = parseWith(UpdateScheduleSchema, asObject(await readJsonBody(c)));
  const row = await loadSchedule(c);
  const now = new Date();
  const cron = update.cron ?? row.cron;
  const paused = update.paused ?? row.paused;
  const source = update.source ?? (row.fileId !== null ? { file_id: row.fileId } : { prefix: row.prefix! });
  const template = update.batch ?? (JSON.parse(row.template) as Record<string, unknown>);
  parseScheduleCron(cron, now);
  if (update.batch !== undefined || update.source !== undefined) await validateTemplate(c.env, row.tenantId, template, source);

  const changes: ScheduleChanges = { paused };
  if (update.name !== undefined) changes.name = update.name;
  if (update.batch !== undefined) changes.template = JSON.stringify(update.batch);
  // A changed cron, or a resume, counts from now: due times missed while paused do not run.
  if (update.cron !== undefined || paused !== row.paused) {
    changes.cron = cron.trim();
    changes.nextRunAt = nextRunIso(cron, paused, now);
  }
  // A new source reads only files uploaded from now on.
  if (update.source !== undefined && ((update.source.file_id ?? null) !== row.fileId || (update.source.prefix ?? null) !== row.prefix)) {
    changes.fileId = update.source.file_id ?? null;
    changes.prefix = update.source.prefix ?? null;
    changes.watermarkAt = now.toISOString();
    changes.watermarkFileId = "";
  }

  const updated = await updateSchedule(openDatabase(c.env.DB), row.id, row.tenantId, changes, now.toISOString());
  if (updated === undefined) throw notFound("Schedule", row.id);
  c.get("log").info("schedule updated", { schedule_id: row.id, fields: Object.keys(update), next_run_at: updated.nextRunAt });
  return c.json(scheduleObject(updated));
});

schedules.delete("/:id", async (c) => {
  const row = await loadSchedule(c);
  if (!(await deleteSchedule(openDatabase(c.env.DB), row.id, row.tenantId))) throw notFound("Schedule", row.id);
  c.get("log").info("schedule deleted", { schedule_id: row.id });
  return c.json({ id: row.id, object: "schedule", deleted: true });
});
