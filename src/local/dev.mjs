// `npm run dev`: applies local D1 migrations, starts the placeholder model when no
// LLM_BASE_URL is configured, then runs `wrangler dev` with any extra flags passed on.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { startFakeLlm } from "./fake-llm.mjs";

const root = path.resolve(import.meta.dirname, "../..");
const wrangler = path.join(root, "node_modules/.bin/wrangler");
const passThrough = process.argv.slice(2);
const offlineEnv = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };

/** Returns the value of `--var NAME:value` (or `--var=NAME:value`) among the flags, if any. */
function varFlag(name) {
  for (let i = 0; i < passThrough.length; i++) {
    const flag = passThrough[i];
    const value = flag === "--var" ? passThrough[i + 1] : flag.startsWith("--var=") ? flag.slice(6) : undefined;
    if (value?.startsWith(`${name}:`) && value.length > name.length + 1) return value.slice(name.length + 1);
  }
  return undefined;
}

/** Returns the value of `--port N` or `--port=N` among the flags, or wrangler's default. */
function portFlag() {
  for (let i = 0; i < passThrough.length; i++) {
    if (passThrough[i] === "--port") return passThrough[i + 1];
    if (passThrough[i].startsWith("--port=")) return passThrough[i].slice(7);
  }
  return "8787";
}

/** Finds LLM_BASE_URL in the flags, the environment or .dev.vars, in that order. */
function configuredBaseUrl() {
  const fromFlag = varFlag("LLM_BASE_URL");
  if (fromFlag) return fromFlag;
  if (process.env.LLM_BASE_URL) return process.env.LLM_BASE_URL;
  const devVars = path.join(root, ".dev.vars");
  if (existsSync(devVars)) {
    const line = readFileSync(devVars, "utf8").split(/\r?\n/).find((l) => /^\s*LLM_BASE_URL\s*=/.test(l));
    const value = line?.split("=").slice(1).join("=").trim().replace(/^"|"$/g, "");
    if (value) return value;
  }
  return undefined;
}

/** Returns the admin key from .dev.vars, creating the file or the entry on first run. */
function ensureAdminKey() {
  const devVars = path.join(root, ".dev.vars");
  const text = existsSync(devVars) ? readFileSync(devVars, "utf8") : "";
  const line = text.split(/\r?\n/).find((l) => /^\s*ADMIN_API_KEY\s*=/.test(l));
  const existing = line?.split("=").slice(1).join("=").trim().replace(/^"|"$/g, "");
  if (existing) return existing;
  const key = `dev-admin-${randomBytes(18).toString("base64url")}`;
  const prefix = text === "" || text.endsWith("\n") ? "" : "\n";
  appendFileSync(devVars, `${prefix}ADMIN_API_KEY=${key}\n`, { mode: 0o600 });
  console.log("[dev] created .dev.vars with a new local admin key");
  return key;
}

// A key passed with --var wins over .dev.vars, as it does inside wrangler.
const adminKeyFlag = varFlag("ADMIN_API_KEY");
const adminKey = adminKeyFlag ?? ensureAdminKey();

console.log("[dev] applying local D1 migrations");
const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local"], {
  cwd: root,
  env: { ...offlineEnv, CI: "true" },
  stdio: "inherit",
});
if (migrate.status !== 0) {
  console.error("[dev] D1 migrations failed; see the output above");
  process.exit(migrate.status ?? 1);
}

const extra = [];
let fake;
const baseUrl = configuredBaseUrl();
if (baseUrl) {
  console.log(`[dev] model endpoint: ${baseUrl}`);
} else {
  fake = await startFakeLlm({ port: Number(process.env.FAKE_LLM_PORT ?? 0) });
  const url = `http://127.0.0.1:${fake.port}/v1`;
  extra.push("--var", `LLM_BASE_URL:${url}`);
  console.log(
    [
      "",
      "[dev] No LLM_BASE_URL is configured, so a local placeholder model answers at " + url + ".",
      "[dev] Its outputs are PLACEHOLDERS: schema-valid but not real answers.",
      "[dev] For real outputs, stop and run: npm run dev -- --var LLM_BASE_URL:<endpoint> --var LLM_MODEL:<model>",
      "[dev] and put LLM_API_KEY=<key> in .dev.vars (see the README).",
      "",
    ].join("\n"),
  );
}

console.log(`[dev] admin API key (from ${adminKeyFlag ? "--var" : ".dev.vars"}): ${adminKey}`);
console.log(
  `[dev] create a tenant key: curl -s -X POST localhost:${portFlag()}/api/keys -H "Authorization: Bearer $ADMIN_KEY" -H "content-type: application/json" -d '{"name":"me"}'`,
);

const child = spawn(wrangler, ["dev", "--test-scheduled", ...extra, ...passThrough], {
  cwd: root,
  env: offlineEnv,
  stdio: "inherit",
  detached: true,
});

function stop(signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
child.on("exit", (code) => {
  fake?.server.close();
  process.exit(code ?? 0);
});
