// `npm run bench:pipeline`: batch throughput under `wrangler dev` against the fake model
// with a fixed latency per call, next to the ideal and a plain Node script, plus the
// service's own CPU time per item from the same run.
//
// BENCH_ITEMS (default 10,000) and BENCH_LATENCY_MS (default 200) change the size.
import { runLabelBatch, replayWithPlainClient } from "./lib/label-run.mjs";
import { readBanking77Categories } from "./lib/banking77.mjs";
import { startFake } from "./lib/fake.mjs";
import { describeMachine } from "./lib/machine.mjs";
import { markdownTable, publish } from "./lib/report.mjs";
import { applyMigrations, createWorkspace, startService } from "./lib/service.mjs";
import { intSetting, tomlValue } from "./lib/settings.mjs";
import { round } from "./lib/stats.mjs";

const items = intSetting("BENCH_ITEMS", 10_000);
const latencyMs = intSetting("BENCH_LATENCY_MS", 200, { min: 0 });
const command = "npm run bench:pipeline";

const machine = describeMachine();
const workspace = createWorkspace();
applyMigrations(workspace);
const fake = await startFake({ latencyMs });
const service = await startService(workspace, { LLM_BASE_URL: fake.baseUrl });
const llmConcurrency = Number(tomlValue(workspace, "LLM_CONCURRENCY"));
const consumerConcurrency = Number(tomlValue(workspace, "max_concurrency"));

console.log(`running a ${items}-item label batch, ${latencyMs} ms per model call`);
// The slowest plausible run: one call at a time would take items x latency.
const timeoutMs = Math.max(600_000, items * latencyMs * 2);
const run = await runLabelBatch({ service, fake, items, categories: readBanking77Categories(), timeoutMs });
await service.stop();
console.log(`service: ${run.batch.status} in ${round(run.seconds)} s, fake stats ${JSON.stringify(run.fake)}`);

const concurrency = run.fake.max_in_flight;
console.log(`replaying ${run.fake.requests} requests with the plain script at concurrency ${concurrency}`);
const plain = await replayWithPlainClient({ fake, concurrency, name: "pipeline" });
await fake.stop();
workspace.remove();

// Ideal: every call back to back at the concurrency the service reached.
const idealSeconds = (items * latencyMs) / 1000 / concurrency;
const serviceRate = items / run.seconds;
const plainRate = plain.requests / plain.seconds;
const idealRate = items / idealSeconds;
const counts = run.batch.request_counts;
// Little's law: calls in flight on average = call rate x latency.
const averageInFlight = (run.fake.requests * latencyMs) / 1000 / run.seconds;

const throughput = markdownTable(
  ["run", "items", "model calls", "seconds", "items/s", "share of ideal"],
  [
    [`ideal: items x ${latencyMs} ms / ${concurrency} in flight`, items, items, round(idealSeconds), round(idealRate), "100%"],
    ["service under wrangler dev, submit to completed", items, run.fake.requests, round(run.seconds), round(serviceRate), `${round((100 * serviceRate) / idealRate)}%`],
    [`plain openai script, ${concurrency} at a time`, plain.requests, plain.fake.requests, round(plain.seconds), round(plainRate), `${round((100 * plainRate) / idealRate)}%`],
  ],
);
const markdown = [
  `${items.toLocaleString("en-US")} banking77 rows (the 3,080-row file repeated) uploaded as a CSV, one label batch over 77 categories, fake model at ${latencyMs} ms per call. One run each (each takes minutes).`,
  "",
  throughput,
  "",
  `- Service / ideal: **${round(serviceRate / idealRate, 2)}**. Service / plain script: **${round(serviceRate / plainRate, 2)}**.`,
  `- Concurrency: LLM_CONCURRENCY is ${llmConcurrency} per chunk and the queue consumer's max_concurrency is ${consumerConcurrency}, so production could run up to ${llmConcurrency * consumerConcurrency} calls at once. The fake saw at most **${concurrency}** in flight; on average ${round(averageInFlight)} were in flight (calls x latency / time).`,
  `- Batch result: ${counts.completed} succeeded, ${counts.failed} failed, ${counts.cancelled} cancelled, ${counts.expired} expired (status ${run.batch.status}). The fake returned ${run.fake.rate_limited} 429s. Plain script failures: ${plain.failed}.`,
  `- Not timed: the upload of the input CSV (${round(run.upload_seconds, 2)} s).`,
].join("\n");

publish("pipeline", {
  title: "1. Pipeline throughput",
  order: 1,
  command,
  machine,
  source: workspace.source,
  markdown,
  summary: [
    { measure: `${items.toLocaleString("en-US")}-item label batch, ${latencyMs} ms per call`, result: `${round(serviceRate)} items/s`, reference: `ideal ${round(idealRate)} items/s at ${concurrency} in flight (ratio ${round(serviceRate / idealRate, 2)}); plain script ${round(plainRate)} items/s (ratio ${round(serviceRate / plainRate, 2)})` },
  ],
  raw: { items, latency_ms: latencyMs, llm_concurrency: llmConcurrency, consumer_max_concurrency: consumerConcurrency, service: run, plain },
});

const perItem = (ms) => round(ms / items, 2);
const runtimePerItem = run.cpu_ms.runtime / items;
const plainPerItem = plain.cpu_ms / plain.requests;
const overhead = markdownTable(
  ["process", "CPU ms in total", "CPU ms per item"],
  [
    ["workerd running the Worker, with local D1, R2, Queues and Durable Objects", round(run.cpu_ms.runtime), perItem(run.cpu_ms.runtime)],
    ["workerd running wrangler's dev proxy", round(run.cpu_ms.proxy), perItem(run.cpu_ms.proxy)],
    ["wrangler (Node processes)", round(run.cpu_ms.wrangler), perItem(run.cpu_ms.wrangler)],
    ["plain openai script (Node), the same requests", round(plain.cpu_ms), round(plainPerItem, 2)],
  ],
);
publish("overhead", {
  title: "2. Per-item overhead",
  order: 2,
  command,
  machine,
  source: workspace.source,
  markdown: [
    `From the pipeline run above (${items.toLocaleString("en-US")} items, one run): user plus system CPU time from /proc/<pid>/stat, read before the submit and after the batch completed. The benchmark's own requests (the submit and the status polls) go straight to the Worker's runtime. The fake model runs in its own process, so model time is excluded.`,
    "",
    overhead,
    "",
    `- Service (the Worker's runtime) / plain script CPU per item: **${round(runtimePerItem / plainPerItem, 1)}x**.`,
  ].join("\n"),
  summary: [
    { measure: "service CPU per item, model excluded", result: `${round(runtimePerItem, 2)} ms (the Worker's workerd)`, reference: `plain script ${round(plainPerItem, 2)} ms per request (${round(runtimePerItem / plainPerItem, 1)}x)` },
  ],
  raw: { items, cpu_ms: run.cpu_ms, plain_cpu_ms: plain.cpu_ms },
});
