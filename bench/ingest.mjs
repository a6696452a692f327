// `npm run bench:ingest`: uploads a generated 100 MB CSV of 1,000,000 records to
// POST /api/files (stored in R2, read back and validated) and records the time and
// workerd's peak memory, next to papaparse parsing the same file in plain Node.
//
// BENCH_INGEST_ROWS (default 1,000,000) scales the file; its size scales with it.
// BENCH_RUNS (default 3) sets the repetitions.
import { execFileSync } from "node:child_process";
import { mkdirSync, statSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { uploadFile } from "./lib/api.mjs";
import { generateCsv } from "./lib/csv-generator.mjs";
import { describeMachine } from "./lib/machine.mjs";
import { repoRoot, scratchDir } from "./lib/paths.mjs";
import { cpuTimeMs, RssMonitor } from "./lib/processes.mjs";
import { markdownTable, publish } from "./lib/report.mjs";
import { applyMigrations, createWorkspace, startService } from "./lib/service.mjs";
import { intSetting } from "./lib/settings.mjs";
import { median, repeat, round } from "./lib/stats.mjs";

const rows = intSetting("BENCH_INGEST_ROWS", 1_000_000);
const runs = intSetting("BENCH_RUNS", 3);
// 99.9 bytes a record keeps 1,000,000 records under the 100,000,000-byte upload limit.
const totalBytes = Math.round(rows * 99.9);
const command = "npm run bench:ingest";

const PapaRunSchema = z.object({ rows: z.number(), errors: z.number(), seconds: z.number(), start_rss_mib: z.number(), peak_rss_mib: z.number() });

const machine = describeMachine();
mkdirSync(scratchDir, { recursive: true });
const csv = path.join(scratchDir, `ingest-${rows}.csv`);
const generated = await generateCsv(csv, { rows, totalBytes });
const megabytes = statSync(csv).size / 1e6;
console.log(`generated ${csv}: ${generated.bytes} bytes, ${rows} records`);

const workspace = createWorkspace();
applyMigrations(workspace);
// Uploads call no model; the URL only has to be set.
const service = await startService(workspace, { LLM_BASE_URL: "http://127.0.0.1:9/v1" });
/** Uploads the file once to `baseUrl`, checks the record count and deletes the file again. */
async function uploadOnce(label, baseUrl) {
  const monitor = new RssMonitor(service.workerdRoles());
  monitor.start();
  const cpuBefore = cpuTimeMs(service.runtimePid);
  const { file, seconds } = await uploadFile(service, csv, { filename: path.basename(csv), baseUrl });
  const runtimeCpuMs = cpuTimeMs(service.runtimePid) - cpuBefore;
  const memory = monitor.stop();
  if (file.item_count !== rows) throw new Error(`the service counted ${file.item_count} records in ${csv}, expected ${rows}`);
  const deleted = await service.request(`/api/files/${file.id}`, { method: "DELETE" });
  if (!deleted.ok) throw new Error(`DELETE /api/files/${file.id} failed with HTTP ${deleted.status}`);
  const perProcess = memory.processes.map((p) => `${p.role} ${p.baseline_mib} -> ${p.peak_mib} MiB (anonymous ${p.anon_baseline_mib} -> ${p.anon_peak_mib})`);
  console.log(`${label}: ${round(seconds, 2)} s, runtime CPU ${Math.round(runtimeCpuMs)} ms; ${perProcess.join(", ")}`);
  return { seconds, runtime_cpu_ms: runtimeCpuMs, memory };
}

// Straight to the Worker's runtime, then once through wrangler's dev proxy (the public port).
const uploads = await repeat(runs, (run) => uploadOnce(`upload ${run}`, service.directUrl));
const proxiedUpload = await uploadOnce("upload through the dev proxy", service.url);
await service.stop();
workspace.remove();

function papaparse(mode) {
  return repeat(runs, async (run) => {
    const output = execFileSync(process.execPath, [path.join(repoRoot, "bench/papaparse-parse.mjs"), csv, mode], { encoding: "utf8" });
    const result = PapaRunSchema.parse(JSON.parse(output));
    if (result.rows !== rows || result.errors !== 0) throw new Error(`papaparse (${mode}) read ${result.rows} rows with ${result.errors} errors, expected ${rows}`);
    console.log(`papaparse ${mode} ${run}: ${round(result.seconds, 2)} s, peak ${round(result.peak_rss_mib)} MiB`);
    return result;
  });
}
const streamed = await papaparse("stream");
const whole = await papaparse("string");

const uploadSeconds = median(uploads.map((u) => u.seconds));
const papaSeconds = median(streamed.map((r) => r.seconds));
const runtimeOf = (upload) => upload.memory.processes.find((p) => p.role === "Worker runtime");
const proxyOf = (upload) => upload.memory.processes.find((p) => p.role === "dev proxy");
// The first upload meets a fresh workerd, like each papaparse run meets a fresh Node process.
const serviceRise = runtimeOf(uploads[0]).rise_mib;
const servicePeak = Math.max(...uploads.map((u) => runtimeOf(u).peak_mib));
const row = (name, seconds, peak, rise) => [name, round(seconds, 2), round(megabytes / seconds, 1), round(peak), round(rise)];
const papaRow = (name, list) => row(name, median(list.map((r) => r.seconds)), median(list.map((r) => r.peak_rss_mib)), median(list.map((r) => r.peak_rss_mib - r.start_rss_mib)));
const table = markdownTable(
  ["run", "seconds", "MB/s", "peak RSS MiB", "RSS rise over a fresh process, MiB"],
  [
    row(`service: POST /api/files straight to the Worker's runtime: stored in R2, read back and validated (median of ${runs})`, uploadSeconds, servicePeak, serviceRise),
    row("service: the same through wrangler's dev proxy (1 run, after the others)", proxiedUpload.seconds, runtimeOf(proxiedUpload).peak_mib, runtimeOf(proxiedUpload).rise_mib),
    papaRow(`papaparse in Node, from a UTF-8 read stream (median of ${runs})`, streamed),
    papaRow(`papaparse in Node, whole file as one string (median of ${runs})`, whole),
  ],
);
const perRun = [...uploads, proxiedUpload].map((u, i) => {
  const runtime = runtimeOf(u);
  const proxy = proxyOf(u);
  return `${i < uploads.length ? `run ${i + 1}` : "through the proxy"}: ${round(u.seconds, 2)} s, runtime ${runtime.baseline_mib} -> ${runtime.peak_mib} (anonymous ${runtime.anon_baseline_mib} -> ${runtime.anon_peak_mib}), proxy ${proxy.baseline_mib} -> ${proxy.peak_mib}`;
});
const share = (count) => `${round((100 * count) / rows)}%`;

publish("ingest", {
  title: "3. Ingest",
  order: 3,
  command,
  machine,
  source: workspace.source,
  markdown: [
    `A generated CSV of ${generated.bytes.toLocaleString("en-US")} bytes (${round(megabytes, 1)} MB) with ${rows.toLocaleString("en-US")} records and 4 columns. Every text cell is quoted and contains commas. Of the records, ${share(generated.with_line_breaks)} contain line breaks (LF or CRLF) inside quotes, ${share(generated.with_quotes)} doubled quotes and ${share(generated.with_non_ascii)} non-ASCII text (accents, Cyrillic, Greek, CJK, emoji). Uploaded with Content-Length over 127.0.0.1. Times are medians of ${runs} runs, each run a new upload. Service memory is that of the workerd process that runs the Worker: the highest peak of the runs, and the rise during the first upload, when it was fresh. Later rows of the table start from where the one before ended. papaparse memory: medians, each run a fresh process. MB is 10^6 bytes.`,
    "",
    table,
    "",
    `- Service / papaparse (stream) throughput: **${round(papaSeconds / uploadSeconds, 2)}**.`,
    `- CPU time of the Worker's runtime per upload (median): ${Math.round(median(uploads.map((u) => u.runtime_cpu_ms)))} ms, of ${Math.round(uploadSeconds * 1000)} ms elapsed.`,
    `- Resident MiB before -> peak: ${perRun.join("; ")}.`,
  ].join("\n"),
  summary: [
    {
      measure: `upload and validate a ${round(megabytes)} MB, ${rows.toLocaleString("en-US")}-record CSV`,
      result: `${round(megabytes / uploadSeconds, 1)} MB/s, workerd +${round(serviceRise)} MiB (peak ${round(servicePeak)} MiB)`,
      reference: `papaparse stream ${round(megabytes / papaSeconds, 1)} MB/s, +${round(median(streamed.map((r) => r.peak_rss_mib - r.start_rss_mib)))} MiB (ratio ${round(papaSeconds / uploadSeconds, 2)})`,
    },
  ],
  raw: { rows, bytes: generated.bytes, runs, uploads, proxied_upload: proxiedUpload, papaparse_stream: streamed, papaparse_string: whole },
});
