// The machine and source a benchmark ran on, recorded next to every result.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import { repoRoot, wranglerBin } from "./paths.mjs";

/** Reads the 1-minute load average, which shows whether other work shared the cores. */
export function loadAverage() {
  return Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
}

function wranglerVersion() {
  return execFileSync(wranglerBin, ["--version"], { encoding: "utf8", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } })
    .trim()
    .split("\n")
    .pop();
}

function gitCommit() {
  return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: repoRoot, encoding: "utf8" }).trim();
}

/** Describes the machine: cores, memory, CPU model, Node and wrangler versions, date and commit. */
export function describeMachine() {
  return {
    cores: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? "unknown",
    memory_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    wrangler: wranglerVersion(),
    date: new Date().toISOString(),
    commit: gitCommit(),
    load_average_at_start: loadAverage(),
  };
}
