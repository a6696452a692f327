// The Hono app: request ids and logging, route groups, and the one error handler.
import { Hono } from "hono";
import { batches } from "./api/batches";
import { completions } from "./api/completions";
import { files } from "./api/files";
import { keys } from "./api/keys";
import { requireApiKey } from "./auth/middleware";
import { limitRunningBatches, limitTenantRequests } from "./auth/tenant-limits";
import { schedules } from "./api/schedules";
import type { AppEnv } from "./api/context";
import { ApiError } from "./errors";
import { createLogger, errorFields } from "./log/logger";

export const app = new Hono<AppEnv>();

app.use("*", async (c, next) => {
  const requestId = c.req.header("x-request-id") ?? crypto.randomUUID();
  c.set("requestId", requestId);
  c.set("log", createLogger(c.env.LOG_LEVEL, { request_id: requestId }));
  await next();
  c.header("x-request-id", requestId);
});

app.get("/health", (c) => c.json({ status: "ok" }));

app.use("/api/*", requireApiKey, limitTenantRequests);
app.on("POST", "/api/batches", limitRunningBatches);
app.route("/api/keys", keys);
app.route("/api/completions", completions);
app.route("/api/batches", batches);
app.route("/api/files", files);
app.route("/api/schedules", schedules);

app.notFound((c) =>
  c.json(
    { error: { type: "not_found_error", code: "route_not_found", message: `No route for ${c.req.method} ${new URL(c.req.url).pathname}.` } },
    404,
  ),
);

app.onError((error, c) => {
  if (error instanceof ApiError) {
    for (const [name, value] of Object.entries(error.options.headers ?? {})) c.header(name, value);
    return c.json(error.toBody(), error.status);
  }
  const requestId = c.get("requestId");
  c.get("log")?.error("unhandled error", { ...errorFields(error), stack: error instanceof Error ? error.stack : undefined });
  return c.json({ error: { type: "server_error", code: "internal_error", message: `Internal error; request id ${requestId}.` } }, 500);
});
