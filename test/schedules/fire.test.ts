import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { waitForBatch } from "../batches/helpers";
import { createLogger } from "../../src/log/logger";
import { fireDueSchedules } from "../../src/schedules/fire";
import { claimDueRun } from "../../src/storage/schedules";
import { callApi } from "../support/api";
import { fakeCalls, uniqueTag } from "../support/fake-llm";
import { createSchedule, deleteAllSchedules, getSchedule, minutesAfter, scheduledBatchCount, tick, ticketsCsv, uploadCsv } from "./helpers";

const LABEL_TEMPLATE = { operation: "label", categories: ["billing", "shipping"] };

async function fixedFileSchedule(tag: string, cron = "* * * * *") {
  const file = await uploadCsv(`${tag}.csv`, ticketsCsv(tag));
  const schedule = await createSchedule({ name: tag, cron, batch: { ...LABEL_TEMPLATE, text_column: "text" }, source: { file_id: file.id } });
  return { file, schedule };
}

function prefixSchedule(prefix: string) {
  return createSchedule({ name: prefix, cron: "* * * * *", batch: LABEL_TEMPLATE, source: { prefix } });
}

/** Stores a CSV file for any tenant straight in R2 and D1, as an upload would. */
async function insertTenantFile(tenantId: string, filename: string, csv: string) {
  const id = `file_${crypto.randomUUID().replaceAll("-", "")}`;
  const r2Key = `files/${tenantId}/${id}`;
  await env.FILES.put(r2Key, csv);
  await env.DB.prepare(
    `INSERT INTO files (id, tenant_id, filename, bytes, format, item_count, columns, delimiter, skipped_rows, skipped_lines, charset, content_type, r2_key, created_at)
     VALUES (?, ?, ?, ?, 'csv', ?, '["id","text"]', ',', 0, '[]', 'utf-8', 'text/csv', ?, ?)`,
  )
    .bind(id, tenantId, filename, csv.length, csv.trim().split("\n").length - 1, r2Key, new Date().toISOString())
    .run();
  return id;
}

async function batchFileId(batchId: string): Promise<string | null> {
  const row = await env.DB.prepare("SELECT file_id FROM batches WHERE id = ?").bind(batchId).first<{ file_id: string | null }>();
  return row?.file_id ?? null;
}

afterEach(deleteAllSchedules);

describe("scheduled handler", () => {
  it("due schedule starts one batch", async () => {
    const tag = uniqueTag("due");
    const { file, schedule } = await fixedFileSchedule(tag);
    const due = schedule.next_run_at;
    await tick(due);

    const after = await getSchedule(schedule.id);
    expect(after.runs).toHaveLength(1);
    const [run] = after.runs;
    expect(run.due_at).toBe(due);
    expect(run.batch_ids).toHaveLength(1);
    expect(run.notes).toEqual([]);
    expect(run.finished_at).not.toBeNull();
    expect(after.last_run_at).toBe(due);
    expect(after.next_run_at).toBe(minutesAfter(due, 1));

    const batch = await waitForBatch(run.batch_ids[0]);
    expect(batch.status).toBe("completed");
    expect(batch.input).toEqual({ source: "file", file_id: file.id, id_column: "id", text_column: "text" });
    expect(batch.request_counts.completed).toBe(2);
    expect(await fakeCalls(tag)).toHaveLength(2);
  });

  it("schedule before its time does not fire", async () => {
    const { schedule } = await fixedFileSchedule(uniqueTag("early"));
    await tick(minutesAfter(schedule.next_run_at, -1));
    const after = await getSchedule(schedule.id);
    expect(after.runs).toEqual([]);
    expect(after.next_run_at).toBe(schedule.next_run_at);
    expect(await scheduledBatchCount(schedule.id)).toBe(0);
  });

  it("same minute twice fires once", async () => {
    const { schedule } = await fixedFileSchedule(uniqueTag("twice"));
    await tick(schedule.next_run_at);
    await tick(schedule.next_run_at);
    const after = await getSchedule(schedule.id);
    expect(after.runs).toHaveLength(1);
    expect(await scheduledBatchCount(schedule.id)).toBe(1);
  });

  it("overlapping ticks fire once", async () => {
    const { schedule } = await fixedFileSchedule(uniqueTag("overlap"));
    await Promise.all([tick(schedule.next_run_at), tick(schedule.next_run_at), tick(schedule.next_run_at)]);
    const after = await getSchedule(schedule.id);
    expect(after.runs).toHaveLength(1);
    expect(after.runs[0].batch_ids).toHaveLength(1);
    expect(await scheduledBatchCount(schedule.id)).toBe(1);
  });

  it("missed hours fire once", async () => {
    const { schedule } = await fixedFileSchedule(uniqueTag("missed"), "*/15 * * * *");
    const due = schedule.next_run_at;
    const late = minutesAfter(due, 3 * 60 + 7);
    await tick(late);
    await tick(late);

    const after = await getSchedule(schedule.id);
    expect(after.runs).toHaveLength(1);
    expect(after.runs[0].due_at).toBe(due);
    // The next run is the first quarter hour after the late tick, not one of the missed ones.
    expect(after.next_run_at).toBe(minutesAfter(due, 3 * 60 + 15));
    expect(await scheduledBatchCount(schedule.id)).toBe(1);

    await tick(after.next_run_at);
    expect((await getSchedule(schedule.id)).runs).toHaveLength(2);
  });

  it("paused schedule does not fire", async () => {
    const { schedule } = await fixedFileSchedule(uniqueTag("paused"));
    const paused = await callApi("PATCH", `/api/schedules/${schedule.id}`, { paused: true });
    expect(paused.status).toBe(200);
    await tick(minutesAfter(schedule.next_run_at, 5));
    expect((await getSchedule(schedule.id)).runs).toEqual([]);
    expect(await scheduledBatchCount(schedule.id)).toBe(0);
  });

  it("deleted fixed file is noted", async () => {
    const { file, schedule } = await fixedFileSchedule(uniqueTag("gone"));
    const deleted = await callApi("DELETE", `/api/files/${file.id}`);
    expect(deleted.status).toBe(200);
    await tick(schedule.next_run_at);

    const [run] = (await getSchedule(schedule.id)).runs;
    expect(run.batch_ids).toEqual([]);
    expect(run.notes).toHaveLength(1);
    expect(run.notes[0]).toContain(file.id);
    expect(run.notes[0]).toContain("was not found");
  });
});

describe("scheduled handler with a prefix source", () => {
  it("no new files starts nothing", async () => {
    const prefix = `${uniqueTag("empty")}-`;
    const schedule = await prefixSchedule(prefix);
    await tick(schedule.next_run_at);

    const [run] = (await getSchedule(schedule.id)).runs;
    expect(run.batch_ids).toEqual([]);
    expect(run.notes).toHaveLength(1);
    expect(run.notes[0]).toContain("No new input");
    expect(run.notes[0]).toContain(prefix);
  });

  it("one batch per new file", async () => {
    const tag = uniqueTag("prefix");
    await uploadCsv(`${tag}-before.csv`, ticketsCsv(`${tag}-before`));
    const schedule = await prefixSchedule(`${tag}-`);
    const first = await uploadCsv(`${tag}-a.csv`, ticketsCsv(`${tag}-a`));
    const second = await uploadCsv(`${tag}-b.csv`, ticketsCsv(`${tag}-b`));
    await uploadCsv(`other-${tag}.csv`, ticketsCsv(`${tag}-other`));

    const due = schedule.next_run_at;
    await tick(due);
    let runs = (await getSchedule(schedule.id)).runs;
    expect(runs).toHaveLength(1);
    expect(runs[0].notes).toEqual([]);
    expect(runs[0].batch_ids).toHaveLength(2);
    const files = await Promise.all(runs[0].batch_ids.map(batchFileId));
    expect(files).toEqual([first.id, second.id]);

    // The next run finds nothing new, and a later upload becomes the run after.
    await tick(minutesAfter(due, 1));
    runs = (await getSchedule(schedule.id)).runs;
    expect(runs[0].batch_ids).toEqual([]);
    expect(runs[0].notes[0]).toContain("No new input");

    const third = await uploadCsv(`${tag}-c.csv`, ticketsCsv(`${tag}-c`));
    await tick(minutesAfter(due, 2));
    runs = (await getSchedule(schedule.id)).runs;
    expect(runs).toHaveLength(3);
    expect(runs[0].batch_ids).toHaveLength(1);
    expect(await batchFileId(runs[0].batch_ids[0])).toBe(third.id);

    for (const batchId of [...runs[2].batch_ids, ...runs[0].batch_ids]) {
      expect((await waitForBatch(batchId)).status).toBe("completed");
    }
    expect(await fakeCalls(`${tag}-a `)).toHaveLength(2);
    expect(await fakeCalls(`${tag}-before `)).toHaveLength(0);
    expect(await fakeCalls(`${tag}-other `)).toHaveLength(0);
  });

  it("file without the mapped column is noted", async () => {
    const tag = uniqueTag("columns");
    const schedule = await createSchedule({ name: tag, cron: "* * * * *", batch: { ...LABEL_TEMPLATE, text_column: "text" }, source: { prefix: `${tag}-` } });
    const bad = await uploadCsv(`${tag}-bad.csv`, `id,body\n1,${tag} no text column\n`);
    const good = await uploadCsv(`${tag}-good.csv`, ticketsCsv(tag));
    await tick(schedule.next_run_at);

    const [run] = (await getSchedule(schedule.id)).runs;
    expect(run.batch_ids).toHaveLength(1);
    expect(await batchFileId(run.batch_ids[0])).toBe(good.id);
    expect(run.notes).toHaveLength(1);
    expect(run.notes[0]).toContain(bad.id);
    expect(run.notes[0]).toContain("text_column");
  });

  it("other tenants' files are ignored", async () => {
    const tag = uniqueTag("tenant");
    const schedule = await prefixSchedule(`${tag}-`);
    await insertTenantFile("other-tenant", `${tag}-theirs.csv`, ticketsCsv(tag));
    await tick(schedule.next_run_at);

    const [run] = (await getSchedule(schedule.id)).runs;
    expect(run.batch_ids).toEqual([]);
    expect(run.notes[0]).toContain("No new input");
  });

  it("batch belongs to the schedule's tenant", async () => {
    const tag = uniqueTag("acme");
    const id = `sched_acme_${tag}`;
    const now = new Date();
    const due = new Date(Math.ceil(now.getTime() / 60_000) * 60_000 + 60_000).toISOString();
    await env.DB.prepare(
      `INSERT INTO schedules (id, tenant_id, name, cron, template, prefix, next_run_at, watermark_at, created_at, updated_at)
       VALUES (?, 'acme', 'acme nightly', '* * * * *', ?, ?, ?, ?, ?, ?)`,
    )
      .bind(id, JSON.stringify(LABEL_TEMPLATE), `${tag}-`, due, now.toISOString(), now.toISOString(), now.toISOString())
      .run();
    const fileId = await insertTenantFile("acme", `${tag}-orders.csv`, ticketsCsv(tag));
    await tick(due);

    const run = await env.DB.prepare("SELECT batch_ids FROM schedule_runs WHERE schedule_id = ?").bind(id).first<{ batch_ids: string }>();
    const [batchId] = JSON.parse(run!.batch_ids) as string[];
    const batch = await env.DB.prepare("SELECT tenant_id, file_id FROM batches WHERE id = ?").bind(batchId).first<{ tenant_id: string; file_id: string }>();
    expect(batch?.tenant_id).toBe("acme");
    expect(batch?.file_id).toBe(fileId);
    // The default tenant cannot see it.
    expect((await callApi("GET", `/api/batches/${batchId}`)).status).toBe(404);
  });
});

describe("due-time claim", () => {
  it("claimDueRun succeeds once per due time", async () => {
    const { schedule } = await fixedFileSchedule(uniqueTag("claim"));
    const due = schedule.next_run_at;
    const next = minutesAfter(due, 1);
    const firedAt = new Date().toISOString();

    expect(await claimDueRun(env.DB, schedule.id, minutesAfter(due, -1), next, firedAt)).toBe(false);
    expect(await claimDueRun(env.DB, schedule.id, due, next, firedAt)).toBe(true);
    expect(await claimDueRun(env.DB, schedule.id, due, next, firedAt)).toBe(false);
    const after = await getSchedule(schedule.id);
    expect(after.next_run_at).toBe(next);
    expect(after.runs.map((run: any) => run.due_at)).toEqual([due]);
  });

  it("claim after a rewind to a fired time fails", async () => {
    const { schedule } = await fixedFileSchedule(uniqueTag("rewind"));
    const due = schedule.next_run_at;
    expect(await claimDueRun(env.DB, schedule.id, due, minutesAfter(due, 1), new Date().toISOString())).toBe(true);
    // A change that sets next_run_at back to a time that already fired must not fire it again.
    await env.DB.prepare("UPDATE schedules SET next_run_at = ? WHERE id = ?").bind(due, schedule.id).run();
    expect(await claimDueRun(env.DB, schedule.id, due, minutesAfter(due, 1), new Date().toISOString())).toBe(false);
    expect((await getSchedule(schedule.id)).next_run_at).toBe(minutesAfter(due, 1));
  });

  it("claim of a paused schedule fails", async () => {
    const { schedule } = await fixedFileSchedule(uniqueTag("claim-paused"));
    await env.DB.prepare("UPDATE schedules SET paused = 1 WHERE id = ?").bind(schedule.id).run();
    expect(await claimDueRun(env.DB, schedule.id, schedule.next_run_at, null, new Date().toISOString())).toBe(false);
  });

  it("concurrent fires claim once", async () => {
    const { schedule } = await fixedFileSchedule(uniqueTag("concurrent"));
    const log = createLogger("error");
    const due = new Date(schedule.next_run_at);
    const summaries = await Promise.all([fireDueSchedules(env, due, log), fireDueSchedules(env, due, log), fireDueSchedules(env, due, log)]);
    expect(summaries.reduce((sum, summary) => sum + summary.fired, 0)).toBe(1);
    expect(summaries.reduce((sum, summary) => sum + summary.batches_started, 0)).toBe(1);
    expect(summaries.reduce((sum, summary) => sum + summary.errors, 0)).toBe(0);
  });
});
