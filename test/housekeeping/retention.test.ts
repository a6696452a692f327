import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createBatch, getBatch, waitForBatch } from "../batches/helpers";
import { envWith, fetchWith, RecordingQueue } from "../batches/pipeline";
import { createSchedule, requestTenant, tick, ticketsCsv, uploadCsv } from "../schedules/helpers";
import { callApi } from "../support/api";
import { uniqueTag } from "../support/fake-llm";

const DAY_MS = 86_400_000;

function daysAgo(days: number): string {
  return new Date(Date.now() - days * DAY_MS).toISOString();
}

async function backdateFile(id: string, days: number): Promise<string> {
  await env.DB.prepare("UPDATE files SET created_at = ? WHERE id = ?").bind(daysAgo(days), id).run();
  const row = await env.DB.prepare("SELECT r2_key FROM files WHERE id = ?").bind(id).first<{ r2_key: string }>();
  return row!.r2_key;
}

async function fileExists(id: string, r2Key: string) {
  const row = await env.DB.prepare("SELECT id FROM files WHERE id = ?").bind(id).first();
  return { row: row !== null, object: (await env.FILES.head(r2Key)) !== null };
}

async function resultCount(batchId: string): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM batch_results WHERE batch_id = ?").bind(batchId).first<{ n: number }>();
  return row!.n;
}

async function objectCount(batchId: string): Promise<number> {
  return (await env.FILES.list({ prefix: `batches/${batchId}/` })).objects.length;
}

/** Inserts a completed batch that finished `days` ago, with `results` result rows and three R2 objects. */
async function insertFinishedBatch(days: number, results: number): Promise<string> {
  const id = `batch_old_${uniqueTag("bulk")}`;
  const tenantId = await requestTenant();
  const finished = daysAgo(days);
  await env.DB.prepare(
    `INSERT INTO batches (id, tenant_id, operation, params, input, model, completion_window, request_hash, status, total, completed, created_at, completed_at, expires_at)
     VALUES (?, ?, 'run', '{}', '{"source":"inline","r2_key":"x"}', 'm', '24h', 'h', 'completed', ?, ?, ?, ?, ?)`,
  )
    .bind(id, tenantId, results, results, finished, finished, finished)
    .run();
  await env.DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
     INSERT INTO batch_results (batch_id, item_index, item_id, status, warnings, prompt_tokens, completion_tokens, model_calls)
     SELECT ?, i, 'item-' || i, 'succeeded', '[]', 0, 0, 1 FROM n`,
  )
    .bind(results, id)
    .run();
  for (const name of ["input.jsonl", "chunks/0.jsonl", "chunks/1.jsonl"]) await env.FILES.put(`batches/${id}/${name}`, "{}\n");
  return id;
}

describe("retention of files", () => {
  it("old file is deleted and new kept", async () => {
    const tag = uniqueTag("files");
    const old = await uploadCsv(`${tag}-old.csv`, ticketsCsv(tag));
    const recent = await uploadCsv(`${tag}-new.csv`, ticketsCsv(tag));
    const oldKey = await backdateFile(old.id, 31);
    const recentKey = await backdateFile(recent.id, 29);
    await tick(Date.now());

    expect(await fileExists(old.id, oldKey)).toEqual({ row: false, object: false });
    expect((await callApi("GET", `/api/files/${old.id}`)).status).toBe(404);
    expect(await fileExists(recent.id, recentKey)).toEqual({ row: true, object: true });
  });

  it("file a schedule reads is kept", async () => {
    const tag = uniqueTag("pinned");
    const file = await uploadCsv(`${tag}.csv`, ticketsCsv(tag));
    const schedule = await createSchedule({ name: tag, cron: "0 3 * * *", batch: { operation: "summarize" }, source: { file_id: file.id } });
    const key = await backdateFile(file.id, 40);
    await tick(Date.now());
    expect(await fileExists(file.id, key)).toEqual({ row: true, object: true });

    expect((await callApi("DELETE", `/api/schedules/${schedule.id}`)).status).toBe(200);
    await tick(Date.now());
    expect(await fileExists(file.id, key)).toEqual({ row: false, object: false });
  });

  it("file an unfinished batch reads is kept", async () => {
    const tag = uniqueTag("reading");
    const file = await uploadCsv(`${tag}.csv`, ticketsCsv(tag));
    // The queue only records messages, so the batch stays unfinished.
    const testEnv = envWith({ BATCH_QUEUE: new RecordingQueue() as unknown as Queue });
    const created = await fetchWith(testEnv, "POST", "/api/batches", { operation: "summarize", file_id: file.id });
    expect(created.status, created.text).toBe(201);
    expect(created.json.results_expire_at).toBeNull();
    const key = await backdateFile(file.id, 40);
    await tick(Date.now());
    expect(await fileExists(file.id, key)).toEqual({ row: true, object: true });
  });

  it("file deletion is bounded per tick", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 55; i++) {
      const id = `file_bulk_${uniqueTag(String(i))}`;
      await env.FILES.put(`files/default/${id}`, "text\nx\n");
      ids.push(id);
    }
    await env.DB.prepare(
      `INSERT INTO files (id, tenant_id, filename, bytes, format, item_count, columns, skipped_rows, skipped_lines, charset, r2_key, created_at)
       SELECT value, 'default', 'bulk.csv', 7, 'csv', 1, '["text"]', 0, '[]', 'utf-8', 'files/default/' || value, ? FROM json_each(?)`,
    )
      .bind(daysAgo(60), JSON.stringify(ids))
      .run();
    const remaining = async () =>
      (await env.DB.prepare("SELECT count(*) AS n FROM files WHERE id IN (SELECT value FROM json_each(?))").bind(JSON.stringify(ids)).first<{ n: number }>())!.n;

    await tick(Date.now());
    expect(await remaining()).toBe(5);
    await tick(Date.now());
    expect(await remaining()).toBe(0);
    expect((await env.FILES.list({ prefix: "files/default/file_bulk_" })).objects).toHaveLength(0);
  });
});

describe("retention of batches", () => {
  it("old batch goes with its results", async () => {
    const tag = uniqueTag("batches");
    const old = await createBatch({ operation: "run", items: [{ text: `${tag} old one` }, { text: `${tag} old two` }] });
    const recent = await createBatch({ operation: "run", items: [{ text: `${tag} new` }] });
    const done = await waitForBatch(old.id);
    await waitForBatch(recent.id);
    expect(done.results_expire_at).toBe(new Date(Date.parse(done.completed_at) + 30 * DAY_MS).toISOString());
    expect(await resultCount(old.id)).toBe(2);
    expect(await objectCount(old.id)).toBeGreaterThan(0);

    await env.DB.prepare("UPDATE batches SET completed_at = ? WHERE id = ?").bind(daysAgo(31), old.id).run();
    await tick(Date.now());

    expect((await callApi("GET", `/api/batches/${old.id}`)).status).toBe(404);
    expect(await resultCount(old.id)).toBe(0);
    expect(await objectCount(old.id)).toBe(0);
    const coordinator = env.BATCH_COORDINATOR.get(env.BATCH_COORDINATOR.idFromName(old.id));
    expect(await coordinator.progress()).toBeNull();

    const recentBatch = await getBatch(recent.id);
    expect(recentBatch.status).toBe("completed");
    expect(await resultCount(recent.id)).toBe(1);
    expect(await objectCount(recent.id)).toBeGreaterThan(0);
  });

  it("result deletion is bounded per tick", async () => {
    const id = await insertFinishedBatch(45, 10_500);
    await tick(Date.now());
    expect(await resultCount(id)).toBe(500);
    expect(await objectCount(id)).toBe(3);
    expect((await getBatch(id)).status).toBe("completed");

    await tick(Date.now());
    expect(await resultCount(id)).toBe(0);
    expect(await objectCount(id)).toBe(0);
    expect((await callApi("GET", `/api/batches/${id}`)).status).toBe(404);
  });
});

describe("retention settings and runs", () => {
  it("old schedule runs are deleted", async () => {
    const id = `sched_runs_${uniqueTag("runs")}`;
    await env.DB.prepare("INSERT INTO schedule_runs (schedule_id, due_at, fired_at, batch_ids, notes) VALUES (?, ?, ?, '[]', '[]'), (?, ?, ?, '[]', '[]')")
      .bind(id, daysAgo(31), daysAgo(31), id, daysAgo(1), daysAgo(1))
      .run();
    await tick(Date.now());
    const { results } = await env.DB.prepare("SELECT due_at FROM schedule_runs WHERE schedule_id = ?").bind(id).all<{ due_at: string }>();
    expect(results).toHaveLength(1);
    expect(Date.parse(results[0].due_at)).toBeGreaterThan(Date.now() - 2 * DAY_MS);
  });

  it("RETENTION_DAYS sets the period", async () => {
    const tag = uniqueTag("days");
    const older = await uploadCsv(`${tag}-8.csv`, ticketsCsv(tag));
    const newer = await uploadCsv(`${tag}-6.csv`, ticketsCsv(tag));
    const olderKey = await backdateFile(older.id, 8);
    const newerKey = await backdateFile(newer.id, 6);
    await tick(Date.now(), envWith({ RETENTION_DAYS: "7" }));
    expect(await fileExists(older.id, olderKey)).toEqual({ row: false, object: false });
    expect(await fileExists(newer.id, newerKey)).toEqual({ row: true, object: true });
  });

  it("invalid RETENTION_DAYS deletes nothing", async () => {
    const tag = uniqueTag("invalid-days");
    const file = await uploadCsv(`${tag}.csv`, ticketsCsv(tag));
    const key = await backdateFile(file.id, 90);
    await tick(Date.now(), envWith({ RETENTION_DAYS: "30d" }));
    expect(await fileExists(file.id, key)).toEqual({ row: true, object: true });

    await tick(Date.now());
    expect(await fileExists(file.id, key)).toEqual({ row: false, object: false });
  });
});
