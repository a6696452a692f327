// Runs one label batch through the service, timed from submit to its final status, with
// the CPU time the service spent. Then replays the same model requests with the plain script.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { submitBatch, uploadFile, waitForBatch } from "./api.mjs";
import { writeRepeatedCsv } from "./banking77.mjs";
import { repoRoot, scratchDir } from "./paths.mjs";
import { cpuTimeMs } from "./processes.mjs";

const PlainSummarySchema = z.object({
  requests: z.number(),
  failed: z.number(),
  seconds: z.number(),
  requests_per_second: z.number(),
  cpu_ms: z.number(),
});

function totalCpuMs(pids) {
  return pids.reduce((sum, pid) => sum + cpuTimeMs(pid), 0);
}

/**
 * Uploads `items` banking77 rows as a CSV, submits a label batch over them and waits for it
 * to end. The fake's counters are reset just before the submit, so its stats cover this
 * batch alone.
 */
export async function runLabelBatch({ service, fake, items, categories, timeoutMs, fakeConfig = {} }) {
  const csv = writeRepeatedCsv(items);
  const upload = await uploadFile(service, csv, { filename: path.basename(csv) });
  await fake.reset();
  if (Object.keys(fakeConfig).length > 0) await fake.configure(fakeConfig);

  const groups = { runtime: [service.runtimePid], proxy: [service.proxyPid], wrangler: service.wranglerPids() };
  const before = Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, totalCpuMs(pids)]));
  const started = performance.now();

  const submitted = await submitBatch(service, { operation: "label", file_id: upload.file.id, id_column: "id", text_column: "text", categories });
  const batch = await waitForBatch(service, submitted.id, timeoutMs);

  const seconds = (performance.now() - started) / 1000;
  return {
    batch,
    seconds,
    upload_seconds: upload.seconds,
    /** CPU milliseconds of the Worker's runtime, the dev proxy and wrangler's Node processes. */
    cpu_ms: Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, totalCpuMs(pids) - before[name]])),
    fake: await fake.stats(),
  };
}

/**
 * Sends the model requests the fake received since its last reset again, through the plain
 * script in its own process at `concurrency`. Resets the fake first, so the returned stats
 * cover the replay alone.
 */
export async function replayWithPlainClient({ fake, concurrency, name }) {
  const calls = await fake.calls();
  const requestsFile = path.join(scratchDir, `${name}-requests.jsonl`);
  writeFileSync(requestsFile, calls.map((call) => JSON.stringify(call.body)).join("\n") + "\n");
  await fake.reset();

  // Asynchronous, so the event loop keeps the fake's idle connections in good order meanwhile.
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      path.join(repoRoot, "bench/plain-client.mjs"),
      "--requests",
      requestsFile,
      "--base-url",
      fake.baseUrl,
      "--concurrency",
      String(concurrency),
      "--out",
      path.join(scratchDir, `${name}-answers.jsonl`),
    ],
    { encoding: "utf8", maxBuffer: 1 << 24 },
  );
  const summary = PlainSummarySchema.parse(JSON.parse(stdout.trim().split("\n").pop()));
  return { ...summary, fake: await fake.stats() };
}
