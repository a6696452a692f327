-- Schedules and their runs; matches src/storage/schema/schedules.ts.
CREATE TABLE IF NOT EXISTS schedules (
  id TEXT PRIMARY KEY NOT NULL,
  tenant_id TEXT NOT NULL,
  name TEXT NOT NULL,
  cron TEXT NOT NULL,
  template TEXT NOT NULL,
  source TEXT NOT NULL,
  paused INTEGER NOT NULL DEFAULT 0,
  next_run_at TEXT,
  last_run_at TEXT,
  watermark TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS schedules_due ON schedules (paused, next_run_at);
CREATE INDEX IF NOT EXISTS schedules_tenant ON schedules (tenant_id, id);

CREATE TABLE IF NOT EXISTS schedule_runs (
  schedule_id TEXT NOT NULL,
  due_at TEXT NOT NULL,
  fired_at TEXT NOT NULL,
  batch_ids TEXT NOT NULL,
  note TEXT,
  PRIMARY KEY (schedule_id, due_at)
);
