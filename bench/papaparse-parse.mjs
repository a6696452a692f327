// The baseline for the ingest benchmark: papaparse parsing a CSV file in plain Node, in a
// process of its own so that its peak memory is its alone.
//
//   node bench/papaparse-parse.mjs FILE stream   # a UTF-8 read stream, one row at a time
//   node bench/papaparse-parse.mjs FILE string   # the whole file read into one string first
//
// Prints one JSON object: rows, parse errors, seconds, and resident memory (MiB) at the
// start and at its peak.
import { createReadStream, readFileSync } from "node:fs";
import Papa from "papaparse";

const [file, mode] = process.argv.slice(2);
if (!file || (mode !== "stream" && mode !== "string")) {
  console.error("Usage: node bench/papaparse-parse.mjs FILE stream|string");
  process.exit(2);
}

const startRssMib = process.memoryUsage().rss / 2 ** 20;
const started = performance.now();
let rows = 0;
let errors = 0;
const step = (result) => {
  rows++;
  errors += result.errors.length;
};

if (mode === "stream") {
  await new Promise((resolve, reject) => {
    Papa.parse(createReadStream(file, { encoding: "utf8" }), { header: true, skipEmptyLines: true, step, complete: resolve, error: reject });
  });
} else {
  Papa.parse(readFileSync(file, "utf8"), { header: true, skipEmptyLines: true, step });
}

const seconds = (performance.now() - started) / 1000;
// resourceUsage().maxRSS is in kilobytes on Linux.
const peakRssMib = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify({ rows, errors, seconds, start_rss_mib: startRssMib, peak_rss_mib: peakRssMib }));
