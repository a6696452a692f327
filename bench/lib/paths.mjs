// Paths the benchmarks share.
import path from "node:path";

export const repoRoot = path.resolve(import.meta.dirname, "../..");
export const wranglerBin = path.join(repoRoot, "node_modules/.bin/wrangler");
export const fakeLlmScript = path.join(repoRoot, "src/local/fake-llm.mjs");
export const benchmarksDoc = path.join(repoRoot, "docs/benchmarks.md");
export const resultsDir = path.join(repoRoot, "bench/results");
/** Large generated inputs; git ignores this folder. */
export const scratchDir = path.join(repoRoot, "bench/out");
export const banking77Csv = path.join(repoRoot, "examples/banking77/banking77-test.csv");
export const banking77Categories = path.join(repoRoot, "examples/banking77/categories.json");
