// /api/keys: the admin creates, lists and revokes tenant API keys.
import { and, desc, eq, isNull } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import { generateKey } from "../auth/keys";
import { requireAdmin } from "../auth/middleware";
import { notFound } from "../errors";
import { parseWith } from "../lib/validation";
import { openDatabase } from "../storage/db";
import { apiKeys, type ApiKeyRow } from "../storage/schema/keys";
import type { AppEnv } from "./context";
import { asObject, readJsonBody } from "./request";

export const CreateKeySchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    /** Adds a key to an existing tenant; without it the key starts a new tenant. */
    tenant_id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
  })
  .strict();
export type CreateKey = z.infer<typeof CreateKeySchema>;

function publicKey(row: ApiKeyRow) {
  return {
    object: "api_key",
    id: row.id,
    name: row.name,
    tenant_id: row.tenantId,
    prefix: row.prefix,
    created_at: row.createdAt,
    revoked_at: row.revokedAt,
  };
}

export const keys = new Hono<AppEnv>();
keys.use("*", requireAdmin);

keys.post("/", async (c) => {
  const body = parseWith(CreateKeySchema, asObject(await readJsonBody(c)));
  const generated = await generateKey();
  const row: ApiKeyRow = {
    id: generated.id,
    tenantId: body.tenant_id ?? `tenant_${crypto.randomUUID().replace(/-/g, "").slice(0, 16)}`,
    name: body.name,
    prefix: generated.prefix,
    hash: generated.hash,
    createdAt: new Date().toISOString(),
    revokedAt: null,
  };
  await openDatabase(c.env.DB).insert(apiKeys).values(row);
  c.get("log").info("api key created", { key_id: row.id, tenant_id: row.tenantId });
  // The key itself is returned once, here, and never stored.
  return c.json({ ...publicKey(row), key: generated.key }, 201);
});

keys.get("/", async (c) => {
  const rows = await openDatabase(c.env.DB).select().from(apiKeys).orderBy(desc(apiKeys.createdAt)).all();
  return c.json({ object: "list", data: rows.map(publicKey) });
});

keys.delete("/:id", async (c) => {
  const id = c.req.param("id");
  const db = openDatabase(c.env.DB);
  const revokedAt = new Date().toISOString();
  const updated = await db
    .update(apiKeys)
    .set({ revokedAt })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning()
    .get();
  if (!updated) {
    const existing = await db.select().from(apiKeys).where(eq(apiKeys.id, id)).get();
    if (!existing) throw notFound("API key", id);
    return c.json(publicKey(existing));
  }
  c.get("log").info("api key revoked", { key_id: id, tenant_id: updated.tenantId });
  return c.json(publicKey(updated));
});
