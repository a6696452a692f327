// Items for fault tests, and the checks every ended batch must pass whatever went wrong
// on the way. Each item has one final result, the counts add up, each id is in every
// download exactly once, and the usage equals the sum over the results.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import Papa from "papaparse";
import { expect } from "vitest";
import { restoreFormula } from "../../src/export/csv";
import { downloadCsv, downloadJsonl, downloadJsonPages, getBatch } from "../batches/helpers";

const TERMINAL_STATUSES = ["completed", "failed", "cancelled", "expired"];
const ITEM_STATUSES = ["succeeded", "failed", "cancelled", "expired"];

export interface FaultItem {
  id: string;
  text: string;
  /** A string that occurs in this item's prompt and in no other item's. */
  marker: string;
}

/** Returns an item id; some ids contain a comma, quotes or a formula start, so CSV must quote and escape them. */
function itemId(i: number): string {
  if (i % 7 === 3) return `ticket ${i}, reopened`;
  if (i % 11 === 5) return `"urgent" ticket ${i}`;
  if (i % 13 === 6) return `-${i}`;
  return `ticket-${i}`;
}

export function faultItems(tag: string, count: number): FaultItem[] {
  return Array.from({ length: count }, (_, i) => {
    const marker = `<${tag}#${i}>`;
    return { id: itemId(i), text: `${marker} The parcel for order ${1000 + i} has not arrived.`, marker };
  });
}

export function coordinator(id: string) {
  return env.BATCH_COORDINATOR.get(env.BATCH_COORDINATOR.idFromName(id));
}

/**
 * Polls the batch until it ends. When it is still running after `timeoutMs`, runs the
 * coordinator's alarm as if the watchdog's stall window had passed, up to
 * `watchdogRuns` times. Returns the batch and how many watchdog runs it needed.
 */
export async function waitForEnd(id: string, timeoutMs = 15_000, watchdogRuns = 2) {
  for (let run = 0; ; run++) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const batch = await getBatch(id);
      if (TERMINAL_STATUSES.includes(batch.status)) return { batch, watchdogRuns: run };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (run === watchdogRuns) throw new Error(`batch ${id} did not end after ${run} watchdog runs: ${JSON.stringify(await getBatch(id))}`);
    await makeWatchdogWindowPass(id);
    await runDurableObjectAlarm(coordinator(id));
  }
}

/** Moves every chunk's and the input pass's last activity to the epoch, so the watchdog finds them stalled. */
export async function makeWatchdogWindowPass(id: string): Promise<void> {
  await runInDurableObject(coordinator(id), async (_instance, state) => {
    state.storage.sql.exec("UPDATE chunks SET activity_at = 0");
    const meta = (await state.storage.get("meta")) as Record<string, unknown>;
    await state.storage.put("meta", { ...meta, prepare_activity_at: 0 });
  });
}

function countByStatus(records: Array<{ status: string }>): Record<string, number> {
  const counts: Record<string, number> = { succeeded: 0, failed: 0, cancelled: 0, expired: 0 };
  for (const record of records) counts[record.status] = (counts[record.status] ?? 0) + 1;
  return counts;
}

/**
 * Checks an ended batch against its input ids and returns the batch object and its
 * JSONL records. The JSON pages must equal the JSONL records, and the CSV rows must
 * carry the same ids and statuses.
 */
export async function expectConsistentResults(id: string, ids: string[]) {
  const batch = await getBatch(id);
  expect(TERMINAL_STATUSES).toContain(batch.status);
  const counts = batch.request_counts;
  expect(counts.total).toBe(ids.length);
  expect(counts.completed + counts.failed + counts.cancelled + counts.expired).toBe(counts.total);

  const jsonl = await downloadJsonl(id);
  const records = jsonl.records;
  expect(jsonl.headers.get("x-batch-partial")).toBe("false");
  expect(records.map((record) => record.id)).toEqual(ids);
  expect(records.map((record) => record.index)).toEqual(ids.map((_, i) => i));
  for (const record of records) {
    expect(ITEM_STATUSES).toContain(record.status);
    if (record.status === "succeeded") expect(record.error, `item ${record.id}`).toBeNull();
    else expect(record.error?.code, `item ${record.id}`).toEqual(expect.any(String));
  }

  const byStatus = countByStatus(records);
  expect(byStatus.succeeded).toBe(counts.completed);
  expect(byStatus.failed).toBe(counts.failed);
  expect(byStatus.cancelled).toBe(counts.cancelled);
  expect(byStatus.expired).toBe(counts.expired);

  const promptTokens = records.reduce((sum, record) => sum + record.usage.prompt_tokens, 0);
  const completionTokens = records.reduce((sum, record) => sum + record.usage.completion_tokens, 0);
  expect(batch.usage.prompt_tokens).toBe(promptTokens);
  expect(batch.usage.completion_tokens).toBe(completionTokens);

  const json = await downloadJsonPages(id, 7);
  expect(json.records).toEqual(records);

  const csv = await downloadCsv(id);
  const parsed = Papa.parse<Record<string, string>>(csv.text, { header: true, skipEmptyLines: true });
  expect(parsed.errors).toEqual([]);
  expect(parsed.data.map((row) => restoreFormula(row.id))).toEqual(ids);
  expect(parsed.data.map((row) => row.status)).toEqual(records.map((record) => record.status));

  return { batch, records };
}
