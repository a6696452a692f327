// `npm run bench:ratelimit`: the pipeline benchmark under a provider rate limit. The fake
// model answers 429 past `rpm` requests in any 60 s window, and the service paces its calls
// with LLM_RPM set to the same number. Records the share of the limit the batch used and
// the 429s the fake returned.
//
// BENCH_ITEMS (default 2,000), BENCH_LATENCY_MS (default 200) and BENCH_RPM (default 600)
// change the size.
import { readFileSync } from "node:fs";
import path from "node:path";
import { readBanking77Categories } from "./lib/banking77.mjs";
import { startFake } from "./lib/fake.mjs";
import { runLabelBatch } from "./lib/label-run.mjs";
import { describeMachine } from "./lib/machine.mjs";
import { markdownTable, publish } from "./lib/report.mjs";
import { applyMigrations, createWorkspace, startService } from "./lib/service.mjs";
import { intSetting } from "./lib/settings.mjs";
import { round } from "./lib/stats.mjs";

const items = intSetting("BENCH_ITEMS", 2_000);
const latencyMs = intSetting("BENCH_LATENCY_MS", 200, { min: 0 });
const rpm = intSetting("BENCH_RPM", 600);
const command = "npm run bench:ratelimit";

const machine = describeMachine();
const workspace = createWorkspace();
applyMigrations(workspace);
const headroom = limiterHeadroom(workspace);
const fake = await startFake({ latencyMs });
const service = await startService(workspace, { LLM_BASE_URL: fake.baseUrl, LLM_RPM: String(rpm) });

console.log(`running a ${items}-item label batch, ${latencyMs} ms per call, ${rpm} requests per minute`);
// At the limit the batch needs items / rpm minutes; allow three times that.
const timeoutMs = Math.max(600_000, ((3 * items) / rpm) * 60_000);
const run = await runLabelBatch({ service, fake, items, categories: readBanking77Categories(), timeoutMs, fakeConfig: { rpm } });
await service.stop();
await fake.stop();
workspace.remove();
console.log(`service: ${run.batch.status} in ${round(run.seconds)} s, fake stats ${JSON.stringify(run.fake)}`);

/** Reads the share of LLM_RPM the provider limiter aims at, or null where the source has none. */
function limiterHeadroom(workspace) {
  const limits = readFileSync(path.join(workspace.dir, "src/config/limits.ts"), "utf8");
  const match = /PROVIDER_LIMIT_HEADROOM\s*=\s*([\d.]+)/.exec(limits);
  return match ? Number(match[1]) : null;
}

const accepted = run.fake.requests - run.fake.rate_limited;
const minutes = run.seconds / 60;
const acceptedPerMinute = accepted / minutes;
const share = acceptedPerMinute / rpm;
const idealSeconds = (items / rpm) * 60;
const counts = run.batch.request_counts;

const table = markdownTable(
  ["run", "items", "seconds", "items/s", "model calls per minute", "share of the limit", "429s from the fake"],
  [
    [`ideal: items / ${rpm} per minute`, items, round(idealSeconds), round(items / idealSeconds, 2), rpm, "100%", 0],
    [`service, LLM_RPM=${rpm}`, items, round(run.seconds), round(items / run.seconds, 2), round(acceptedPerMinute), `${round(100 * share)}%`, run.fake.rate_limited],
  ],
);

publish("ratelimit", {
  title: "1b. Pipeline throughput under a rate limit",
  order: 1.5,
  command,
  machine,
  source: workspace.source,
  markdown: [
    `${items.toLocaleString("en-US")} banking77 rows as one label batch, fake model at ${latencyMs} ms per call with a limit of ${rpm} requests in any 60 s window (/__fake/config rpm), the service started with LLM_RPM=${rpm}. One run (it takes minutes). The size is cut from 10,000 items because at ${rpm} per minute those would take ${round(10_000 / rpm)} minutes.`,
    "",
    table,
    "",
    headroom === null ? null : `- The limiter paces calls at PROVIDER_LIMIT_HEADROOM = ${headroom} of LLM_RPM (src/config/limits.ts), so the service aims at ${round(100 * headroom)}% of the limit. This run reached ${round((100 * share) / headroom)}% of that aim.`,
    `- The fake received ${run.fake.requests} requests: ${accepted} answered, ${run.fake.rate_limited} answered with 429; at most ${run.fake.max_in_flight} were in flight.`,
    `- Batch result: ${counts.completed} succeeded, ${counts.failed} failed (status ${run.batch.status}).`,
  ]
    .filter((line) => line !== null)
    .join("\n"),
  summary: [
    {
      measure: `${items.toLocaleString("en-US")}-item label batch at ${rpm} requests/min (fake and LLM_RPM)`,
      result: `${round(100 * share)}% of the limit used, ${run.fake.rate_limited} 429s`,
      reference: `ideal ${round(idealSeconds)} s, measured ${round(run.seconds)} s`,
    },
  ],
  raw: { items, latency_ms: latencyMs, rpm, limiter_headroom: headroom, service: run },
});
