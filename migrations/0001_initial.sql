-- Placeholder table so the migration runner has a first step; batch tables follow.
CREATE TABLE IF NOT EXISTS service_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
