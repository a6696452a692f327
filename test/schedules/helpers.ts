// Helpers for schedule tests: uploads, schedule requests, and cron ticks at chosen times.
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import worker from "../../src/index";
import { callApi, postJson } from "../support/api";

export type TestEnv = typeof env;

/** Runs the Worker's cron trigger as if it were scheduled at `time`. */
export async function tick(time: string | number | Date, testEnv: TestEnv = env): Promise<void> {
  const controller = createScheduledController({ scheduledTime: new Date(time), cron: "* * * * *" });
  await worker.scheduled!(controller, testEnv);
}

/** Uploads a CSV file through POST /api/files and returns the file object. */
export async function uploadCsv(filename: string, text: string) {
  const response = await callApi("POST", `/api/files?filename=${encodeURIComponent(filename)}`, text, { "content-type": "text/csv" });
  expect(response.status, response.text).toBe(201);
  return response.json;
}

/** Returns a two-row CSV whose texts carry `tag`, so the fake model's calls can be counted. */
export function ticketsCsv(tag: string): string {
  return `id,text\nt1,${tag} my card was charged twice\nt2,${tag} where is my parcel\n`;
}

export async function createSchedule(body: unknown) {
  const response = await postJson("/api/schedules", body);
  expect(response.status, response.text).toBe(201);
  return response.json;
}

export async function getSchedule(id: string) {
  const response = await callApi("GET", `/api/schedules/${id}`);
  expect(response.status, response.text).toBe(200);
  return response.json;
}

/** Returns an ISO time `minutes` after `iso`. */
export function minutesAfter(iso: string, minutes: number): string {
  return new Date(Date.parse(iso) + minutes * 60_000).toISOString();
}

/** Deletes every schedule, so a tick in one test never fires another test's schedules. */
export async function deleteAllSchedules(): Promise<void> {
  await env.DB.batch([env.DB.prepare("DELETE FROM schedules"), env.DB.prepare("DELETE FROM schedule_runs")]);
}

/** Counts the batches whose idempotency key a schedule set, by its id. */
export async function scheduledBatchCount(scheduleId: string): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM batches WHERE idempotency_key LIKE ?")
    .bind(`schedule:${scheduleId}:%`)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** Returns the tenant that API requests from the tests act as, read from a schedule they create. */
export async function requestTenant(): Promise<string> {
  const created = await createSchedule({ name: "tenant probe", cron: "0 0 * * *", batch: { operation: "summarize" }, source: { prefix: "probe-" }, paused: true });
  const row = await env.DB.prepare("SELECT tenant_id FROM schedules WHERE id = ?").bind(created.id).first<{ tenant_id: string }>();
  await env.DB.prepare("DELETE FROM schedules WHERE id = ?").bind(created.id).run();
  return row!.tenant_id;
}
