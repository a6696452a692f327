// Bearer-key authentication for /api/*: the admin key (ADMIN_API_KEY) or a tenant key
// from D1. Sets the request's tenant; logs nothing of a key but a short prefix.
import { eq } from "drizzle-orm";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../api/context";
import { ApiError } from "../errors";
import { openDatabase } from "../storage/db";
import { apiKeys } from "../storage/schema/keys";
import { constantTimeEqual, keyIdOf, logPrefix, sha256Hex } from "./keys";

export const ADMIN_TENANT = "admin";

function unauthorized(message: string): ApiError {
  return new ApiError(401, "authentication_error", "invalid_api_key", message, {
    headers: { "www-authenticate": 'Bearer realm="agentflow-batch"' },
  });
}

export const requireApiKey: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header("authorization");
  if (!header) throw unauthorized('Missing API key; send the header "Authorization: Bearer <key>".');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw unauthorized('Malformed Authorization header; expected "Bearer <key>".');
  const key = match[1];
  const presentedHash = await sha256Hex(key);
  const log = c.get("log");

  const admin = c.env.ADMIN_API_KEY;
  if (admin && constantTimeEqual(presentedHash, await sha256Hex(admin))) {
    c.set("tenantId", ADMIN_TENANT);
    c.set("isAdmin", true);
    c.set("log", log.child({ tenant_id: ADMIN_TENANT }));
    return next();
  }

  const keyId = keyIdOf(key);
  const row = keyId ? await openDatabase(c.env.DB).select().from(apiKeys).where(eq(apiKeys.id, keyId)).get() : undefined;
  if (!row || row.revokedAt !== null || !constantTimeEqual(presentedHash, row.hash)) {
    log.warn("rejected API key", { key_prefix: logPrefix(key), reason: row?.revokedAt ? "revoked" : "unknown" });
    throw unauthorized("Invalid or revoked API key.");
  }
  c.set("tenantId", row.tenantId);
  c.set("isAdmin", false);
  c.set("log", log.child({ tenant_id: row.tenantId }));
  return next();
};

export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!c.get("isAdmin")) {
    throw new ApiError(403, "authentication_error", "admin_required", "This route needs the admin key (ADMIN_API_KEY).");
  }
  return next();
};
