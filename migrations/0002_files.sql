-- Uploaded files' metadata; matches src/storage/schema/files.ts. The bytes live in R2 under r2_key.
CREATE TABLE IF NOT EXISTS files (
  id TEXT PRIMARY KEY NOT NULL,
  tenant_id TEXT NOT NULL,
  filename TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  format TEXT NOT NULL,
  item_count INTEGER NOT NULL,
  columns TEXT NOT NULL,
  delimiter TEXT,
  skipped_rows INTEGER NOT NULL,
  skipped_lines TEXT NOT NULL,
  charset TEXT NOT NULL,
  content_type TEXT,
  r2_key TEXT NOT NULL,
  created_at TEXT NOT NULL
);
-- Listing pages walk a tenant's files newest first.
CREATE INDEX IF NOT EXISTS files_tenant_created ON files (tenant_id, created_at, id);
