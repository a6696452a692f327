// Linux /proc readings: CPU time and resident memory of the processes under test.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";

const CLOCK_TICKS_PER_SECOND = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

/** Milliseconds between two memory samples. */
const RSS_SAMPLE_INTERVAL_MS = 20;

/** Parses /proc/<pid>/stat; the command name sits in parentheses and may contain spaces. */
function readStat(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  const close = text.lastIndexOf(")");
  const command = text.slice(text.indexOf("(") + 1, close);
  // Fields after the command, numbered as in proc(5): 3 state, 5 pgrp, 14 utime, 15 stime.
  const fields = text.slice(close + 2).split(" ");
  return { command, pgrp: Number(fields[2]), utime: Number(fields[11]), stime: Number(fields[12]) };
}

/** Lists the processes of a process group, with their command names. */
export function processesInGroup(pgid) {
  const found = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readStat(entry);
      if (stat.pgrp === pgid) found.push({ pid: Number(entry), command: stat.command });
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return found;
}

/** Returns the user plus system CPU time of a process in milliseconds. */
export function cpuTimeMs(pid) {
  const stat = readStat(pid);
  return ((stat.utime + stat.stime) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/**
 * Reads a process's memory from /proc/<pid>/status, in MiB: the resident set (VmRSS), its
 * anonymous part (RssAnon: heap, not mapped files), and the peak resident set (VmHWM).
 * Returns null once the process has ended.
 */
function readMemory(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return null;
  }
  const field = (name) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(text)?.[1] ?? 0) / 1024;
  return { rss: field("VmRSS"), anon: field("RssAnon"), hwm: field("VmHWM") };
}

/** Resets the kernel's peak RSS counter of a process we own; returns false where the kernel refuses. */
function resetPeakRss(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/**
 * Watches the resident memory of some processes from start() to stop(). `processes` is a
 * list of `{role, pid}`. Each is sampled every 20 ms; its peak also comes from the
 * kernel's counter (VmHWM), reset at the start where allowed. The anonymous part of the
 * resident set is reported too, because file pages (SQLite and R2 files read through a
 * mapping) also count as resident.
 */
export class RssMonitor {
  constructor(processes) {
    this.watched = processes.map(({ role, pid }) => ({ role, pid }));
    this.timer = null;
  }

  start() {
    for (const entry of this.watched) {
      entry.kernelPeak = resetPeakRss(entry.pid);
      const memory = readMemory(entry.pid);
      entry.ended = memory === null;
      entry.baseline = memory ?? { rss: 0, anon: 0 };
      entry.peakRss = entry.baseline.rss;
      entry.peakAnon = entry.baseline.anon;
    }
    this.sumBaseline = sum(this.watched.map((entry) => entry.baseline.rss));
    this.sumPeak = this.sumBaseline;
    this.timer = setInterval(() => this.sample(), RSS_SAMPLE_INTERVAL_MS);
  }

  sample() {
    let total = 0;
    for (const entry of this.watched) {
      const memory = entry.ended ? null : readMemory(entry.pid);
      if (memory === null) {
        entry.ended = true;
        continue;
      }
      entry.peakRss = Math.max(entry.peakRss, memory.rss, entry.kernelPeak ? memory.hwm : 0);
      entry.peakAnon = Math.max(entry.peakAnon, memory.anon);
      total += memory.rss;
    }
    this.sumPeak = Math.max(this.sumPeak, total);
  }

  /**
   * Returns the summed resident set before the run and its peak, in MiB, and for each
   * process by role: resident and anonymous MiB before and at the peak, and whether it ended.
   */
  stop() {
    clearInterval(this.timer);
    this.sample();
    const processes = this.watched.map((entry) => ({
      role: entry.role,
      pid: entry.pid,
      baseline_mib: round(entry.baseline.rss),
      peak_mib: round(entry.peakRss),
      rise_mib: round(entry.peakRss - entry.baseline.rss),
      anon_baseline_mib: round(entry.baseline.anon),
      anon_peak_mib: round(entry.peakAnon),
      ended: entry.ended,
    }));
    return { baseline_mib: round(this.sumBaseline), peak_mib: round(this.sumPeak), rise_mib: round(this.sumPeak - this.sumBaseline), processes };
  }
}

function sum(values) {
  return values.reduce((total, value) => total + value, 0);
}

function round(value) {
  return Math.round(value * 10) / 10;
}

/** Lists the TCP ports a process listens on at 127.0.0.1, from /proc/net/tcp and its open sockets. */
export function listeningPorts(pid) {
  const inodes = new Set();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]);
    } catch {
      // The descriptor closed meanwhile.
    }
  }
  const ports = [];
  // Columns of /proc/net/tcp: sl, local_address (hex ip:port), rem_address, st (0A is LISTEN), ..., inode (10th).
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10 || fields[3] !== "0A" || !inodes.has(fields[9])) continue;
    const [address, port] = fields[1].split(":");
    if (address === "0100007F") ports.push(parseInt(port, 16));
  }
  return ports;
}

/** Returns the command line of a process as a list of arguments. */
export function commandLine(pid) {
  return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter((arg) => arg !== "");
}

/** Returns how many file descriptors (files and sockets) a process has open. */
export function openFileCount(pid) {
  return readdirSync(`/proc/${pid}/fd`).length;
}
