// D1 tables of schedules and of each time a schedule fired.
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const schedules = sqliteTable(
  "schedules",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    name: text("name").notNull(),
    cron: text("cron").notNull(),
    /** The batch request (operation and parameters, without input) as JSON text. */
    template: text("template").notNull(),
    /** Where each run's input comes from, as JSON text: a fixed file or a filename prefix. */
    source: text("source").notNull(),
    paused: integer("paused", { mode: "boolean" }).notNull().default(false),
    /** The next due minute (ISO 8601, UTC); the scheduler claims it by compare-and-set. */
    nextRunAt: text("next_run_at"),
    lastRunAt: text("last_run_at"),
    /** For prefix sources: files created after this instant are new input. */
    watermark: text("watermark").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (table) => [index("schedules_due").on(table.paused, table.nextRunAt), index("schedules_tenant").on(table.tenantId, table.id)],
);
export type ScheduleRow = typeof schedules.$inferSelect;

export const scheduleRuns = sqliteTable(
  "schedule_runs",
  {
    scheduleId: text("schedule_id").notNull(),
    /** The due minute this run served; the primary key makes each due time fire once. */
    dueAt: text("due_at").notNull(),
    firedAt: text("fired_at").notNull(),
    /** JSON array of the batch ids this run started; empty when it had no input. */
    batchIds: text("batch_ids").notNull(),
    /** Why no batch started (no new input, an invalid file), or null. */
    note: text("note"),
  },
  (table) => [primaryKey({ columns: [table.scheduleId, table.dueAt] })],
);
export type ScheduleRunRow = typeof scheduleRuns.$inferSelect;
