// D1 table of tenant API keys. Only a SHA-256 hash of each key is stored.
import { sqliteTable, text } from "drizzle-orm/sqlite-core";

export const apiKeys = sqliteTable("api_keys", {
  id: text("id").primaryKey(),
  tenantId: text("tenant_id").notNull(),
  name: text("name").notNull(),
  /** The first characters of the key, shown in listings and logs to tell keys apart. */
  prefix: text("prefix").notNull(),
  hash: text("hash").notNull(),
  createdAt: text("created_at").notNull(),
  revokedAt: text("revoked_at"),
});
export type ApiKeyRow = typeof apiKeys.$inferSelect;
