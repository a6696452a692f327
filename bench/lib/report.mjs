// Prints a benchmark's tables and writes them into docs/benchmarks.md: each benchmark owns
// the block between its two markers, and the summary table is rebuilt from every stored result.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadAverage } from "./machine.mjs";
import { benchmarksDoc, resultsDir } from "./paths.mjs";

/** Formats rows as a Markdown table; numbers get thousands separators. */
export function markdownTable(headers, rows) {
  const cell = (value) => (typeof value === "number" ? value.toLocaleString("en-US", { maximumFractionDigits: 2 }) : String(value));
  const lines = [`| ${headers.join(" | ")} |`, `| ${headers.map(() => "---").join(" | ")} |`];
  for (const row of rows) lines.push(`| ${row.map(cell).join(" | ")} |`);
  return lines.join("\n");
}

function machineLine(machine, source) {
  const load = `load average ${machine.load_average_at_start} at the start and ${machine.load_average_at_end} at the end`;
  return [
    `Machine: ${machine.cores} cores (${machine.cpu}), ${machine.memory_gib} GiB memory, Node ${machine.node}, wrangler ${machine.wrangler}.`,
    `Run on ${machine.date.slice(0, 10)} at commit ${machine.commit} (Worker source: ${source}), ${load}.`,
  ].join(" ");
}

function markers(name) {
  return { start: `<!-- bench:${name}:start -->`, end: `<!-- bench:${name}:end -->` };
}

/** Replaces the block between a name's markers, or appends it under `heading` when it is missing. */
function replaceBlock(doc, name, body, heading) {
  const { start, end } = markers(name);
  const block = `${start}\n${body.trim()}\n${end}`;
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from !== -1 && to > from) return doc.slice(0, from) + block + doc.slice(to + end.length);
  return `${doc.trimEnd()}\n\n## ${heading}\n\n${block}\n`;
}

function summaryTable() {
  const rows = [];
  const files = existsSync(resultsDir) ? readdirSync(resultsDir).filter((file) => file.endsWith(".json")) : [];
  const results = files.map((file) => JSON.parse(readFileSync(path.join(resultsDir, file), "utf8")));
  results.sort((a, b) => a.order - b.order);
  for (const result of results) {
    for (const row of result.summary) rows.push([result.title, `\`${result.command}\``, row.measure, row.result, row.reference, row.date ?? result.machine.date.slice(0, 10)]);
  }
  return markdownTable(["benchmark", "command", "measure", "result", "compared with", "run on"], rows);
}

/**
 * Stores a benchmark's result in bench/results/<name>.json, prints its Markdown and writes
 * it into docs/benchmarks.md with the command and the machine.
 *
 * `result` has `title`, `order` (its place in the summary), `command`, `machine`,
 * `source`, `markdown` (the tables and notes) and `summary` (rows of `{measure, result, reference}`).
 */
export function publish(name, result) {
  const machine = { ...result.machine, load_average_at_end: loadAverage() };
  const stored = { ...result, machine };
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, `${name}.json`), `${JSON.stringify(stored, null, 2)}\n`);

  const body = [`Command: \`${result.command}\`. ${machineLine(machine, result.source)}`, "", result.markdown].join("\n");
  console.log(`\n${body}\n`);

  let doc = existsSync(benchmarksDoc) ? readFileSync(benchmarksDoc, "utf8") : "# Benchmarks\n";
  doc = replaceBlock(doc, name, body, result.title);
  doc = replaceBlock(doc, "summary", summaryTable(), "Summary");
  writeFileSync(benchmarksDoc, doc);
  console.log(`updated ${path.relative(process.cwd(), benchmarksDoc)} and ${path.relative(process.cwd(), path.join(resultsDir, `${name}.json`))}`);
}
