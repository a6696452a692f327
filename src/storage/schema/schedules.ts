// D1 tables of schedules and of each time a schedule fired. migrations/0005_schedules.sql creates them.
import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const schedules = sqliteTable(
  "schedules",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    name: text("name").notNull(),
    cron: text("cron").notNull(),
    /** The batch request (operation, its parameters, column mapping and window, without input) as JSON text. */
    template: text("template").notNull(),
    /** The fixed file every run reads; null for a prefix source. */
    fileId: text("file_id"),
    /** The filename prefix of a prefix source; null for a fixed file. */
    prefix: text("prefix"),
    paused: integer("paused", { mode: "boolean" }).notNull().default(false),
    /** The next due minute (ISO 8601, UTC), claimed by compare-and-set; null while paused. */
    nextRunAt: text("next_run_at"),
    /** The due minute of the latest run. */
    lastRunAt: text("last_run_at"),
    /**
     * For prefix sources: the position in the tenant's uploads, ordered by (created_at, id),
     * after which files are new input. It starts at the schedule's creation time.
     */
    watermarkAt: text("watermark_at").notNull(),
    watermarkFileId: text("watermark_file_id").notNull().default(""),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (table) => [
    index("schedules_due").on(table.paused, table.nextRunAt),
    index("schedules_tenant").on(table.tenantId, table.id),
    index("schedules_file").on(table.fileId),
    check("schedules_one_source", sql`(${table.fileId} IS NULL) <> (${table.prefix} IS NULL)`),
  ],
);
export type ScheduleRow = typeof schedules.$inferSelect;
export type NewScheduleRow = typeof schedules.$inferInsert;

export const scheduleRuns = sqliteTable(
  "schedule_runs",
  {
    scheduleId: text("schedule_id").notNull(),
    /** The due minute this run served; the primary key makes each due time fire once. */
    dueAt: text("due_at").notNull(),
    firedAt: text("fired_at").notNull(),
    /** When the run recorded its outcome; null while it starts batches, or if it died doing so. */
    finishedAt: text("finished_at"),
    /** JSON array of the batch ids this run started; empty when it had no input. */
    batchIds: text("batch_ids", { mode: "json" }).$type<string[]>().notNull(),
    /** JSON array of sentences: why no batch started (no new input, an invalid file), files left for later. */
    notes: text("notes", { mode: "json" }).$type<string[]>().notNull(),
  },
  (table) => [primaryKey({ columns: [table.scheduleId, table.dueAt] }), index("schedule_runs_fired").on(table.firedAt)],
);
export type ScheduleRunRow = typeof scheduleRuns.$inferSelect;
