// `npm run bench:export`: downloads 1,000,000 results of one batch as CSV and as JSONL
// from GET /api/batches/{id}/output and records rows per second and workerd's peak memory.
//
// The batch is created through the API with 3 items. While `wrangler dev` is stopped, its
// result rows are replaced by generated rows written straight into the local D1 database
// with `wrangler d1 execute` (see lib/result-rows-sql.mjs).
//
// BENCH_EXPORT_ROWS (default 1,000,000) and BENCH_RUNS (default 3) change the size.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { submitBatch, waitForBatch } from "./lib/api.mjs";
import { readBanking77Categories } from "./lib/banking77.mjs";
import { startFake } from "./lib/fake.mjs";
import { describeMachine } from "./lib/machine.mjs";
import { scratchDir } from "./lib/paths.mjs";
import { RssMonitor } from "./lib/processes.mjs";
import { markdownTable, publish } from "./lib/report.mjs";
import { resultRowsSql } from "./lib/result-rows-sql.mjs";
import { applyMigrations, createWorkspace, executeSqlFile, startService } from "./lib/service.mjs";
import { intSetting } from "./lib/settings.mjs";
import { median, repeat, round } from "./lib/stats.mjs";

const rows = intSetting("BENCH_EXPORT_ROWS", 1_000_000);
const runs = intSetting("BENCH_RUNS", 3);
const command = "npm run bench:export";
const categories = readBanking77Categories();

const machine = describeMachine();
const workspace = createWorkspace();
applyMigrations(workspace);

// A real batch row, made by the service itself.
const fake = await startFake();
let service = await startService(workspace, { LLM_BASE_URL: fake.baseUrl });
const items = ["Where is my card?", "I was charged twice", "How do I top up?"].map((text, i) => ({ id: `seed-${i}`, text }));
const created = await submitBatch(service, { operation: "label", items, categories });
const seeded = await waitForBatch(service, created.id, 120_000);
if (seeded.status !== "completed") throw new Error(`the seed batch ended ${seeded.status}`);
await service.stop();
await fake.stop();

console.log(`inserting ${rows} result rows into batch ${seeded.id}`);
mkdirSync(scratchDir, { recursive: true });
const sqlFile = path.join(scratchDir, "export-results.sql");
writeFileSync(sqlFile, resultRowsSql(seeded.id, rows, categories));
const insertStarted = performance.now();
executeSqlFile(workspace, sqlFile);
const insertSeconds = (performance.now() - insertStarted) / 1000;
console.log(`inserted in ${round(insertSeconds)} s`);

service = await startService(workspace, { LLM_BASE_URL: "http://127.0.0.1:9/v1" });

/** Downloads one format whole from `baseUrl`, counting bytes and line feeds as they arrive. */
async function download(format, baseUrl) {
  const monitor = new RssMonitor(service.workerdRoles());
  monitor.start();
  const started = performance.now();
  let bytes = 0;
  let lineFeeds = 0;
  let firstByteSeconds = null;
  let tail = Buffer.alloc(0);
  try {
    const response = await service.request(`/api/batches/${seeded.id}/output?format=${format}`, {}, baseUrl);
    if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
    for await (const chunk of response.body) {
      firstByteSeconds ??= (performance.now() - started) / 1000;
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lineFeeds++;
      // The last 1,000 bytes hold the whole last line in either format.
      tail = Buffer.concat([tail, chunk]).subarray(-1000);
    }
  } catch (error) {
    // A download cut short is a result too: it records how far it got and what memory it took.
    return { failed: String(error.cause?.message ?? error.message), seconds: (performance.now() - started) / 1000, bytes, memory: monitor.stop() };
  }
  const seconds = (performance.now() - started) / 1000;
  const memory = monitor.stop();
  checkComplete(format, lineFeeds, tail.toString("utf8"));
  return { seconds, first_byte_seconds: firstByteSeconds, bytes, memory };
}

/** Checks that the whole set arrived: JSONL has one line per row, and both end with the last index. */
function checkComplete(format, lineFeeds, tail) {
  const lastIndex = rows - 1;
  const lastLine = tail.trimEnd().split("\n").pop();
  const endsRight = format === "jsonl" ? lastLine.startsWith(`{"index":${lastIndex},`) : lastLine.startsWith(`${lastIndex},`);
  if (!endsRight) throw new Error(`the ${format} download ends with ${JSON.stringify(lastLine)}, not with index ${lastIndex}`);
  // CSV cells hold no line breaks here, so CSV has one more line than rows: the header.
  const expectedLines = format === "jsonl" ? rows : rows + 1;
  if (lineFeeds !== expectedLines) throw new Error(`the ${format} download has ${lineFeeds} lines, expected ${expectedLines}`);
}

function describeRun(label, result) {
  const perProcess = result.memory.processes.map((p) => `${p.role} ${p.baseline_mib} -> ${p.peak_mib} MiB (anonymous ${p.anon_baseline_mib} -> ${p.anon_peak_mib})${p.ended ? " ENDED" : ""}`);
  const outcome = result.failed ? `FAILED after ${result.bytes} bytes (${result.failed})` : `${result.bytes} bytes`;
  console.log(`${label}: ${round(result.seconds, 2)} s, ${outcome}; ${perProcess.join(", ")}`);
}

// Straight to the Worker's runtime, several times per format on one wrangler dev.
const direct = {};
for (const format of ["csv", "jsonl"]) {
  direct[format] = await repeat(runs, async (run) => {
    const result = await download(format, service.directUrl);
    if (result.failed) throw new Error(`the direct ${format} download failed: ${result.failed}`);
    describeRun(`${format} direct ${run}`, result);
    return result;
  });
}
await service.stop();

// Then once per format through the public port, each on a fresh wrangler dev, because the
// dev proxy's memory grows with every download and is not given back.
const proxied = {};
for (const format of ["csv", "jsonl"]) {
  service = await startService(workspace, { LLM_BASE_URL: "http://127.0.0.1:9/v1" });
  proxied[format] = await download(format, service.url);
  describeRun(`${format} through the dev proxy`, proxied[format]);
  await service.stop();
}
workspace.remove();

const roleOf = (result, role) => result.memory.processes.find((p) => p.role === role);
const mib = (value) => round(value);
const memoryCells = (result) => {
  const runtime = roleOf(result, "Worker runtime");
  const proxy = roleOf(result, "dev proxy");
  return [
    `${mib(runtime.baseline_mib)} -> ${mib(runtime.peak_mib)}`,
    `${mib(runtime.anon_baseline_mib)} -> ${mib(runtime.anon_peak_mib)}`,
    `${mib(proxy.baseline_mib)} -> ${mib(proxy.peak_mib)}${proxy.ended ? " (ended)" : ""}`,
  ];
};
const directLine = (format) => {
  const list = direct[format];
  const seconds = median(list.map((r) => r.seconds));
  return [
    `${format.toUpperCase()}, straight to the Worker's runtime (median of ${runs})`,
    round(seconds, 2),
    Math.round(rows / seconds),
    round(median(list.map((r) => r.bytes)) / 1e6 / seconds, 1),
    round(median(list.map((r) => r.first_byte_seconds)), 3),
    ...memoryCells(list[0]),
  ];
};
const proxiedLine = (format) => {
  const result = proxied[format];
  const done = !result.failed;
  return [
    `${format.toUpperCase()}, through wrangler's dev proxy (1 run)${done ? "" : `: cut off after ${round(result.bytes / 1e6, 1)} MB`}`,
    round(result.seconds, 2),
    done ? Math.round(rows / result.seconds) : "-",
    round(result.bytes / 1e6 / result.seconds, 1),
    done ? round(result.first_byte_seconds, 3) : "-",
    ...memoryCells(result),
  ];
};
const table = markdownTable(
  ["download", "seconds", "rows/s", "MB/s", "first byte s", "runtime RSS MiB", "runtime anonymous MiB", "dev proxy RSS MiB"],
  [directLine("csv"), directLine("jsonl"), proxiedLine("csv"), proxiedLine("jsonl")],
);
const csvRate = Math.round(rows / median(direct.csv.map((r) => r.seconds)));
const jsonlRate = Math.round(rows / median(direct.jsonl.map((r) => r.seconds)));
const runtimeRise = Math.max(roleOf(direct.csv[0], "Worker runtime").rise_mib, roleOf(direct.jsonl[0], "Worker runtime").rise_mib);
const proxyRise = Math.max(roleOf(proxied.csv, "dev proxy").rise_mib, roleOf(proxied.jsonl, "dev proxy").rise_mib);
const sequence = [...direct.csv, ...direct.jsonl]
  .map((r) => r.memory.processes.map((p) => `${mib(p.peak_mib)}`).join(" / "))
  .join(", ");

publish("export", {
  title: "4. Export",
  order: 4,
  command,
  machine,
  source: workspace.source,
  markdown: [
    `${rows.toLocaleString("en-US")} label results of one batch (2% failed items with quoted error text, 0.1% ids that need formula escaping), downloaded whole with \`GET /api/batches/{id}/output?format=csv|jsonl\` over 127.0.0.1. The batch was created through the API; its rows were generated in the local D1 database with \`wrangler d1 execute --local --file\` in statements of 100,000 rows (${round(insertSeconds)} s) while \`wrangler dev\` was stopped. Sizes: CSV ${round(direct.csv[0].bytes / 1e6, 1)} MB, JSONL ${round(direct.jsonl[0].bytes / 1e6, 1)} MB.`,
    "",
    `Each download goes straight to the port of the workerd process that runs the Worker (the runtime, with local D1), ${runs} times per format on one \`wrangler dev\`. Then each format is downloaded once through the public port, each time on a freshly started \`wrangler dev\`. There a second workerd process, wrangler's dev proxy, forwards the request. Memory columns: resident set before -> peak, read every 20 ms, in the first run of each row; "anonymous" leaves out file pages (SQLite and R2 files the runtime maps).`,
    "",
    table,
    "",
    `- Peak resident MiB, runtime / dev proxy, over the ${2 * runs} direct downloads in order (CSV first): ${sequence}.`,
  ].join("\n"),
  summary: [
    {
      measure: `download ${rows.toLocaleString("en-US")} results`,
      result: `CSV ${csvRate.toLocaleString("en-US")} rows/s, JSONL ${jsonlRate.toLocaleString("en-US")} rows/s; runtime RSS +${round(runtimeRise)} MiB`,
      reference: `through the dev proxy: its RSS +${round(proxyRise)} MiB${proxied.csv.failed || proxied.jsonl.failed ? ", download cut off" : ""}`,
    },
  ],
  raw: { rows, runs, insert_seconds: insertSeconds, direct, proxied },
});
