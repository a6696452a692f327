-- Batches and their per-item results; matches src/storage/schema/batches.ts.
CREATE TABLE IF NOT EXISTS batches (
  id TEXT PRIMARY KEY NOT NULL,
  tenant_id TEXT NOT NULL,
  operation TEXT NOT NULL,
  params TEXT NOT NULL,
  input TEXT NOT NULL,
  file_id TEXT,
  model TEXT NOT NULL,
  completion_window TEXT NOT NULL,
  idempotency_key TEXT,
  request_hash TEXT NOT NULL,
  status TEXT NOT NULL,
  total INTEGER NOT NULL,
  completed INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  cancelled INTEGER NOT NULL DEFAULT 0,
  expired INTEGER NOT NULL DEFAULT 0,
  prompt_tokens INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  errors TEXT,
  created_at TEXT NOT NULL,
  started_at TEXT,
  finalizing_at TEXT,
  completed_at TEXT,
  failed_at TEXT,
  cancelling_at TEXT,
  cancelled_at TEXT,
  expired_at TEXT,
  expires_at TEXT NOT NULL
);
-- NULL keys never collide, so batches without an Idempotency-Key are not constrained.
CREATE UNIQUE INDEX IF NOT EXISTS batches_tenant_idempotency_key ON batches (tenant_id, idempotency_key);
CREATE INDEX IF NOT EXISTS batches_tenant_id ON batches (tenant_id, id);

CREATE TABLE IF NOT EXISTS batch_results (
  batch_id TEXT NOT NULL,
  item_index INTEGER NOT NULL,
  item_id TEXT NOT NULL,
  status TEXT NOT NULL,
  output TEXT,
  error_code TEXT,
  error_message TEXT,
  raw TEXT,
  refusal TEXT,
  warnings TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  model_calls INTEGER NOT NULL,
  PRIMARY KEY (batch_id, item_index)
);
