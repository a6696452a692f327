// `npm run bench:sync`: latency of POST /api/completions/label with 50 items against the
// fake model at zero latency, next to the same 50 model requests sent straight from Node
// with the `openai` package at the service's LLM_CONCURRENCY.
//
// BENCH_SYNC_REQUESTS (default 200) and BENCH_RUNS (default 3) change the size.
import OpenAI from "openai";
import { z } from "zod";
import { readBanking77, readBanking77Categories } from "./lib/banking77.mjs";
import { startFake } from "./lib/fake.mjs";
import { describeMachine } from "./lib/machine.mjs";
import { markdownTable, publish } from "./lib/report.mjs";
import { applyMigrations, createWorkspace, readJson, startService } from "./lib/service.mjs";
import { intSetting, tomlValue } from "./lib/settings.mjs";
import { openFileCount } from "./lib/processes.mjs";
import { median, percentile, repeat, round } from "./lib/stats.mjs";
import { sendAll } from "./plain-client.mjs";

const requests = intSetting("BENCH_SYNC_REQUESTS", 200);
const runs = intSetting("BENCH_RUNS", 3);
const ITEMS_PER_REQUEST = 50;
/** Requests before each run that warm up the isolate and connections; not timed. */
const WARMUP_REQUESTS = 5;
const command = "npm run bench:sync";

const CompletionResultSchema = z.object({
  totals: z.object({ items: z.number(), succeeded: z.number(), failed: z.number() }),
});

const machine = describeMachine();
const categories = readBanking77Categories();
const items = readBanking77()
  .slice(0, ITEMS_PER_REQUEST)
  .map((row, i) => ({ id: `q${i + 1}`, text: row.text }));
const body = JSON.stringify({ categories, items });

const workspace = createWorkspace();
applyMigrations(workspace);
const fake = await startFake({ latencyMs: 0 });
const service = await startService(workspace, { LLM_BASE_URL: fake.baseUrl });
const concurrency = Number(tomlValue(workspace, "LLM_CONCURRENCY"));

/** Sends one sync label request to `baseUrl` and returns its latency in milliseconds. */
async function labelOnce(baseUrl) {
  const started = performance.now();
  const response = await service.request("/api/completions/label", { method: "POST", headers: { "content-type": "application/json" }, body }, baseUrl);
  const result = await readJson(response, CompletionResultSchema, "POST /api/completions/label");
  const ms = performance.now() - started;
  if (result.totals.succeeded !== ITEMS_PER_REQUEST) throw new Error(`a sync request returned ${result.totals.succeeded} succeeded items of ${ITEMS_PER_REQUEST}`);
  return ms;
}

// The 50 model requests one sync call makes, as the fake received them.
await fake.reset();
await labelOnce(service.directUrl);
const bodies = (await fake.calls()).map((call) => call.body);
if (bodies.length !== ITEMS_PER_REQUEST) throw new Error(`one sync request made ${bodies.length} model calls, expected ${ITEMS_PER_REQUEST}`);
const client = new OpenAI({ apiKey: "no-key", baseURL: fake.baseUrl, maxRetries: 0 });

async function directOnce() {
  const started = performance.now();
  const failed = await sendAll({ client, bodies, concurrency });
  if (failed > 0) throw new Error(`${failed} direct model requests failed`);
  return performance.now() - started;
}

/** Requests between two checks of the dev proxy's open connections. */
const REQUESTS_PER_PAUSE = 50;
/** Open descriptors of the dev proxy below which the next requests may start. */
const PROXY_DESCRIPTORS_TO_RESUME = 2_000;

let proxyDescriptorsPeak = 0;
let pausedMs = 0;

/**
 * Waits until wrangler's dev proxy has closed most of its idle connections. Under wrangler
 * dev 4.86 it opens about two connections to wrangler's Node process per model call the
 * Worker makes and keeps them for seconds. At this call rate it reached the limit of open
 * files (20,000 on this machine) within a few hundred requests, and the session hung.
 * The pause falls between requests, so no latency includes it.
 */
async function waitForProxyConnections() {
  const started = performance.now();
  proxyDescriptorsPeak = Math.max(proxyDescriptorsPeak, openFileCount(service.proxyPid));
  while (openFileCount(service.proxyPid) > PROXY_DESCRIPTORS_TO_RESUME && performance.now() - started < 60_000) {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  pausedMs += performance.now() - started;
}

/** Times `requests` calls one after another, after a warm-up; returns p50, p99 and the mean in ms. */
async function timeRequests(call) {
  for (let i = 0; i < WARMUP_REQUESTS; i++) await call();
  const latencies = [];
  for (let i = 0; i < requests; i++) {
    if (i % REQUESTS_PER_PAUSE === 0) await waitForProxyConnections();
    latencies.push(await call());
  }
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), mean: latencies.reduce((a, b) => a + b, 0) / latencies.length };
}

const measured = await repeat(runs, async (run) => {
  // The fake keeps every request body; a reset per run keeps its memory flat.
  await fake.reset();
  const viaRuntime = await timeRequests(() => labelOnce(service.directUrl));
  await fake.reset();
  const viaProxy = await timeRequests(() => labelOnce(service.url));
  await fake.reset();
  const direct = await timeRequests(directOnce);
  const summary = (name, t) => `${name} p50 ${round(t.p50)} ms p99 ${round(t.p99)} ms`;
  console.log(`run ${run}: ${summary("service", viaRuntime)}; ${summary("through the dev proxy", viaProxy)}; ${summary("openai direct", direct)}`);
  return { service: viaRuntime, proxied: viaProxy, direct };
});
await service.stop();
await fake.stop();
workspace.remove();

const pick = (side, key) => median(measured.map((run) => run[side][key]));
const row = (name, side) => [name, round(pick(side, "p50")), round(pick(side, "p99")), round(pick(side, "mean")), round((ITEMS_PER_REQUEST * 1000) / pick(side, "mean"))];
const table = markdownTable(
  ["client", "p50 ms", "p99 ms", "mean ms", "items/s"],
  [
    row("POST /api/completions/label, straight to the Worker's runtime", "service"),
    row("the same, through wrangler's dev proxy (the public port)", "proxied"),
    row(`the same 50 model requests with the openai package, ${concurrency} at a time`, "direct"),
  ],
);
const overheadP50 = pick("service", "p50") - pick("direct", "p50");
const overheadP99 = pick("service", "p99") - pick("direct", "p99");

publish("sync", {
  title: "5. Sync latency",
  order: 5,
  command,
  machine,
  source: workspace.source,
  markdown: [
    `${requests} sequential requests of ${ITEMS_PER_REQUEST} banking77 items each (77 categories), fake model at zero latency, after ${WARMUP_REQUESTS} untimed warm-up requests. They go straight to the port of the workerd process that runs the Worker and, in a separate pass, through the public port of \`wrangler dev\`, where its dev proxy forwards them. The direct client replays the exact 50 request bodies the service sent, at the service's LLM_CONCURRENCY (${concurrency}). Medians over ${runs} runs of each percentile.`,
    "",
    table,
    "",
    `- Every ${REQUESTS_PER_PAUSE} requests the script waited until wrangler's dev proxy had at most ${PROXY_DESCRIPTORS_TO_RESUME.toLocaleString("en-US")} open descriptors (${round(pausedMs / 1000)} s of pauses in all, between requests). The most it had open at a check was ${proxyDescriptorsPeak.toLocaleString("en-US")}.`,
    `- Overhead of the service (straight to the runtime) over the direct calls: **+${round(overheadP50)} ms** at p50 (${round(pick("service", "p50") / pick("direct", "p50"), 1)}x) and **+${round(overheadP99)} ms** at p99, or ${round(overheadP50 / ITEMS_PER_REQUEST, 2)} ms per item at p50.`,
  ].join("\n"),
  summary: [
    {
      measure: `sync label call, ${ITEMS_PER_REQUEST} items, zero model latency`,
      result: `p50 ${round(pick("service", "p50"))} ms, p99 ${round(pick("service", "p99"))} ms`,
      reference: `direct openai p50 ${round(pick("direct", "p50"))} ms, p99 ${round(pick("direct", "p99"))} ms (+${round(overheadP50)} ms at p50)`,
    },
  ],
  raw: { requests, runs, concurrency, measured, proxy_descriptors_peak: proxyDescriptorsPeak, paused_ms: pausedMs },
});
