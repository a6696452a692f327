// Runs the service under `wrangler dev` for a benchmark: a snapshot of the source, its own
// persistence folder, an explicit admin key, and a process group that is stopped as one.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { repoRoot, scratchDir } from "./paths.mjs";
import { killOnExit, removeOnExit } from "./cleanup.mjs";
import { commandLine, listeningPorts, processesInGroup } from "./processes.mjs";

const OFFLINE_ENV = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", CI: "true" };

/** Files the Worker build reads. */
const SNAPSHOT_PATHS = ["src", "migrations", "wrangler.toml", "package.json", "tsconfig.json"];

/** Milliseconds to wait for `wrangler dev` to respond to /health. */
const READY_TIMEOUT_MS = 60_000;

/** Returns a TCP port that is free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Copies the Worker's source into a temporary folder, so edits in the work tree during
 * a run neither reload the Worker nor mix two versions. `source` is "HEAD" (the last
 * commit) or "worktree" (the files as they are now).
 */
export function createWorkspace(source = process.env.BENCH_SOURCE ?? "HEAD") {
  const dir = mkdtempSync(path.join(os.tmpdir(), "agentflow-bench-"));
  if (source === "HEAD") {
    const archive = execFileSync("git", ["archive", "HEAD", ...SNAPSHOT_PATHS], { cwd: repoRoot, maxBuffer: 1 << 30 });
    execFileSync("tar", ["-x", "-C", dir], { input: archive });
  } else if (source === "worktree") {
    for (const entry of SNAPSHOT_PATHS) cpSync(path.join(repoRoot, entry), path.join(dir, entry), { recursive: true });
  } else {
    throw new Error(`BENCH_SOURCE must be HEAD or worktree, not ${JSON.stringify(source)}`);
  }
  linkNodeModules(dir);
  const persistDir = path.join(dir, "state");
  mkdirSync(persistDir);
  const remove = () => rmSync(dir, { recursive: true, force: true });
  // After a failure, wrangler's logs are kept in bench/out/ before the folder goes.
  const forget = removeOnExit(() => {
    keepLogs(dir);
    remove();
  });
  return {
    dir,
    persistDir,
    source,
    remove: () => {
      forget();
      remove();
    },
  };
}

function keepLogs(dir) {
  const logs = readdirSync(dir).filter((name) => name.endsWith(".log"));
  if (logs.length === 0) return;
  const target = path.join(scratchDir, `failed-${path.basename(dir)}`);
  mkdirSync(target, { recursive: true });
  for (const name of logs) cpSync(path.join(dir, name), path.join(target, name));
  console.error(`kept the wrangler logs of the failed run in ${target}`);
}

/**
 * Gives the workspace its own node_modules made of hard links. With a symlink, the bundler
 * resolves packages into the work tree and watches files there: rewriting the work tree's
 * package.json reloaded the Worker mid-run, and a reload drops the messages waiting in
 * the local queue.
 */
function linkNodeModules(dir) {
  const target = path.join(dir, "node_modules");
  try {
    execFileSync("cp", ["-al", path.join(repoRoot, "node_modules"), target]);
  } catch {
    // Hard links need one filesystem; otherwise copy (about 400 MB).
    rmSync(target, { recursive: true, force: true });
    cpSync(path.join(repoRoot, "node_modules"), target, { recursive: true, verbatimSymlinks: true });
  }
}

/** Applies the D1 migrations to the workspace's local database. */
export function applyMigrations(workspace) {
  runWrangler(workspace, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", workspace.persistDir]);
}

/** Runs one SQL file against the workspace's local database; call it while `wrangler dev` is stopped. */
export function executeSqlFile(workspace, file) {
  runWrangler(workspace, ["d1", "execute", "DB", "--local", "--persist-to", workspace.persistDir, "--file", file, "--yes"]);
}

/** Returns the workspace's own wrangler, so that every file the bundler reads lies inside the workspace. */
function workspaceWrangler(workspace) {
  return path.join(workspace.dir, "node_modules/.bin/wrangler");
}

function runWrangler(workspace, args) {
  const result = spawnSync(workspaceWrangler(workspace), args, { cwd: workspace.dir, env: OFFLINE_ENV, encoding: "utf8", maxBuffer: 1 << 26 });
  if (result.status !== 0) throw new Error(`wrangler ${args.slice(0, 3).join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/**
 * Starts `wrangler dev` in its own process group. `vars` become `--var NAME:value` flags;
 * the admin key is random per start. Resolves once /health responds.
 */
export async function startService(workspace, vars) {
  const port = await freePort();
  const inspectorPort = await freePort();
  const adminKey = `bench-${randomBytes(18).toString("base64url")}`;
  const varFlags = Object.entries({ ...vars, ADMIN_API_KEY: adminKey }).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
  const logPath = path.join(workspace.dir, `wrangler-${port}.log`);
  const log = openSync(logPath, "a");
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort)];
  args.push("--persist-to", workspace.persistDir, "--show-interactive-dev-session=false", ...varFlags);
  // detached: the child calls setsid, so its pid is the id of a new process group.
  const child = spawn(workspaceWrangler(workspace), args, { cwd: workspace.dir, env: OFFLINE_ENV, stdio: ["ignore", log, log], detached: true });
  const pgid = child.pid;
  const exited = new Promise((resolve) => child.once("exit", resolve));

  const service = {
    url: `http://127.0.0.1:${port}`,
    adminKey,
    pgid,
    logPath,
    /** Set once ready: the address and process of the Worker's runtime, reached without the dev proxy. */
    directUrl: null,
    runtimePid: null,
    proxyPid: null,
    /** The two workerd processes by role, for RssMonitor. */
    workerdRoles: () => [
      { role: "Worker runtime", pid: service.runtimePid },
      { role: "dev proxy", pid: service.proxyPid },
    ],
    /** The workerd processes of this group: the Worker's runtime and the dev proxy. */
    workerdPids: () => processesInGroup(pgid).filter((p) => p.command === "workerd").map((p) => p.pid),
    /** The Node processes of this group: wrangler itself. */
    wranglerPids: () => processesInGroup(pgid).filter((p) => p.command !== "workerd").map((p) => p.pid),
    /**
     * Sends an authenticated request to `baseUrl`: by default straight to the Worker's
     * runtime once it is known, so the dev proxy stays out of the measurement.
     */
    request: (route, init = {}, baseUrl = service.directUrl ?? service.url) =>
      fetch(`${baseUrl}${route}`, { ...init, headers: { authorization: `Bearer ${adminKey}`, ...init.headers } }),
    stop: async () => {
      forget();
      try {
        process.kill(-pgid, "SIGTERM");
      } catch {
        return; // The group is gone already.
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-pgid, "SIGKILL");
        } catch {
          // Stopped in the meantime.
        }
      }, 5_000);
      await exited;
      // workerd may outlive wrangler for a moment; wait until the whole group is gone.
      while (processesInGroup(pgid).length > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      clearTimeout(timer);
    },
  };
  const forget = killOnExit(() => process.kill(-pgid, "SIGKILL"));
  await waitUntilReady(service, exited);
  Object.assign(service, await findRuntime(service, port));
  return service;
}

/**
 * Tells wrangler dev's two workerd processes apart: the dev proxy listens on the public
 * port and forwards to the runtime, which runs the Worker with its local D1, R2, Queues
 * and Durable Objects. Also finds the port on which that runtime answers directly, so a
 * benchmark can leave the proxy out.
 */
async function findRuntime(service, port) {
  const pids = service.workerdPids();
  const proxyPid = pids.find((pid) => commandLine(pid).includes(`--socket-addr=entry=127.0.0.1:${port}`));
  const runtimePid = pids.find((pid) => pid !== proxyPid);
  if (proxyPid === undefined || runtimePid === undefined) throw new Error(`expected two workerd processes (proxy and runtime), found ${pids.join(", ")}`);
  for (const candidate of listeningPorts(runtimePid)) {
    try {
      const response = await fetch(`http://127.0.0.1:${candidate}/health`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok && (await response.text()).includes('"ok"')) return { proxyPid, runtimePid, directUrl: `http://127.0.0.1:${candidate}` };
    } catch {
      // Not the Worker's entry: an inspector or internal port.
    }
  }
  throw new Error(`no port of workerd ${runtimePid} responds to /health; see ${service.logPath}`);
}

async function waitUntilReady(service, exited) {
  let stopped = false;
  exited.then(() => {
    stopped = true;
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (stopped) throw new Error(`wrangler dev exited before it was ready; see ${service.logPath}`);
    try {
      const response = await fetch(`${service.url}/health`);
      if (response.ok && service.workerdPids().length > 0) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await service.stop();
  throw new Error(`wrangler dev did not respond to /health within ${READY_TIMEOUT_MS} ms; see ${service.logPath}`);
}

/** Parses a JSON response with a zod schema, naming the route and status when either fails. */
export async function readJson(response, schema, what) {
  const text = await response.text();
  if (!response.ok) throw new Error(`${what} failed with HTTP ${response.status}: ${text.slice(0, 500)}`);
  const parsed = schema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${what} returned an unexpected body: ${parsed.error.message}\n${text.slice(0, 500)}`);
  return parsed.data;
}
