-- Schedules and their runs; matches src/storage/schema/schedules.ts.
CREATE TABLE IF NOT EXISTS schedules (
  id TEXT PRIMARY KEY NOT NULL,
  tenant_id TEXT NOT NULL,
  name TEXT NOT NULL,
  cron TEXT NOT NULL,
  template TEXT NOT NULL,
  file_id TEXT,
  prefix TEXT,
  paused INTEGER NOT NULL DEFAULT 0,
  next_run_at TEXT,
  last_run_at TEXT,
  watermark_at TEXT NOT NULL,
  watermark_file_id TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  -- Exactly one source: a fixed file or a filename prefix.
  CONSTRAINT schedules_one_source CHECK ((file_id IS NULL) <> (prefix IS NULL))
);
CREATE INDEX IF NOT EXISTS schedules_due ON schedules (paused, next_run_at);
CREATE INDEX IF NOT EXISTS schedules_tenant ON schedules (tenant_id, id);
-- Retention keeps a file that a schedule reads on every run.
CREATE INDEX IF NOT EXISTS schedules_file ON schedules (file_id);

CREATE TABLE IF NOT EXISTS schedule_runs (
  schedule_id TEXT NOT NULL,
  due_at TEXT NOT NULL,
  fired_at TEXT NOT NULL,
  finished_at TEXT,
  batch_ids TEXT NOT NULL,
  notes TEXT NOT NULL,
  PRIMARY KEY (schedule_id, due_at)
);
CREATE INDEX IF NOT EXISTS schedule_runs_fired ON schedule_runs (fired_at);

-- Housekeeping scans on the cron trigger. Each query repeats its index's expression or
-- WHERE clause exactly, or SQLite does not use the index.
-- Files past the retention period, oldest first.
CREATE INDEX IF NOT EXISTS files_created ON files (created_at);
-- Finished batches by the time they finished.
CREATE INDEX IF NOT EXISTS batches_finished ON batches (coalesce(completed_at, failed_at, cancelled_at, expired_at));
-- Unfinished batches, whose coordinators the cron trigger re-checks.
CREATE INDEX IF NOT EXISTS batches_unfinished ON batches (id) WHERE status NOT IN ('completed', 'failed', 'cancelled', 'expired');
-- Unfinished batches that read a file keep it past the retention period.
CREATE INDEX IF NOT EXISTS batches_file ON batches (file_id) WHERE file_id IS NOT NULL;
