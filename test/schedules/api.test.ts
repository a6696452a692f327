import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { callApi, postJson } from "../support/api";
import { uniqueTag } from "../support/fake-llm";
import { createSchedule, deleteAllSchedules, getSchedule, requestTenant, ticketsCsv, uploadCsv } from "./helpers";

const LABEL_TEMPLATE = { operation: "label", categories: ["billing", "shipping"] };

function prefixSchedule(overrides: Record<string, unknown> = {}) {
  return { name: "nightly tickets", cron: "* * * * *", batch: LABEL_TEMPLATE, source: { prefix: "tickets-" }, ...overrides };
}

/** Inserts a schedule row of another tenant straight into D1 and returns its id. */
async function insertForeignSchedule(): Promise<string> {
  const id = `sched_foreign_${crypto.randomUUID().slice(0, 8)}`;
  const now = new Date().toISOString();
  await env.DB.prepare(
    `INSERT INTO schedules (id, tenant_id, name, cron, template, file_id, prefix, paused, next_run_at, watermark_at, created_at, updated_at)
     VALUES (?, 'other-tenant', 'theirs', '* * * * *', ?, NULL, 'x-', 0, ?, ?, ?, ?)`,
  )
    .bind(id, JSON.stringify(LABEL_TEMPLATE), now, now, now, now)
    .run();
  return id;
}

afterEach(deleteAllSchedules);

describe("POST /api/schedules", () => {
  it("prefix schedule is created", async () => {
    const created = await createSchedule(prefixSchedule());
    expect(created.id).toMatch(/^sched_/);
    expect(created.object).toBe("schedule");
    expect(created.name).toBe("nightly tickets");
    expect(created.batch).toEqual(LABEL_TEMPLATE);
    expect(created.source).toEqual({ prefix: "tickets-" });
    expect(created.paused).toBe(false);
    expect(created.last_run_at).toBeNull();

    // Every minute: the next run is the first whole minute after creation.
    const next = Date.parse(created.next_run_at);
    expect(next % 60_000).toBe(0);
    expect(next).toBeGreaterThan(Date.parse(created.created_at));
    expect(next - Date.parse(created.created_at)).toBeLessThanOrEqual(60_000);
  });

  it("fixed-file schedule is created", async () => {
    const file = await uploadCsv("tickets.csv", ticketsCsv(uniqueTag("fixed")));
    const created = await createSchedule({
      name: "daily",
      cron: "30 2 * * *",
      batch: { ...LABEL_TEMPLATE, text_column: "text", id_column: "id", completion_window: "2h" },
      source: { file_id: file.id },
    });
    expect(created.source).toEqual({ file_id: file.id });
    expect(created.next_run_at).toMatch(/T02:30:00\.000Z$/);
  });

  it("paused schedule has no next run", async () => {
    const created = await createSchedule(prefixSchedule({ paused: true }));
    expect(created.paused).toBe(true);
    expect(created.next_run_at).toBeNull();
  });

  it("invalid cron field is named", async () => {
    const response = await postJson("/api/schedules", prefixSchedule({ cron: "0 25 * * *" }));
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe("invalid_cron");
    expect(response.json.error.param).toBe("cron");
    expect(response.json.error.details.field).toBe("hour");
    expect(response.json.error.message).toContain('"25"');
  });

  it("cron with six fields is 400", async () => {
    const response = await postJson("/api/schedules", prefixSchedule({ cron: "0 0 * * * *" }));
    expect(response.status).toBe(400);
    expect(response.json.error.param).toBe("cron");
    expect(response.json.error.message).toContain("expected 5 fields");
  });

  it("cron that never matches is 400", async () => {
    const response = await postJson("/api/schedules", prefixSchedule({ cron: "0 0 30 FEB *" }));
    expect(response.status).toBe(400);
    expect(response.json.error.param).toBe("cron");
    expect(response.json.error.message).toContain("matches no date");
  });

  it("missing operation parameter is named", async () => {
    const response = await postJson("/api/schedules", prefixSchedule({ batch: { operation: "label" } }));
    expect(response.status).toBe(400);
    expect(response.json.error.param).toBe("batch.categories");
    expect(response.json.error.message).toContain("In batch:");
  });

  it("unknown operation is named", async () => {
    const response = await postJson("/api/schedules", prefixSchedule({ batch: { operation: "translate" } }));
    expect(response.status).toBe(400);
    expect(response.json.error.param).toBe("batch.operation");
  });

  it("items in the template are 400", async () => {
    const response = await postJson("/api/schedules", prefixSchedule({ batch: { ...LABEL_TEMPLATE, items: [{ text: "x" }] } }));
    expect(response.status).toBe(400);
    expect(response.json.error.param).toBe("batch.items");
    expect(response.json.error.message).toContain("comes from its source");
  });

  it("bad completion window is named", async () => {
    const response = await postJson("/api/schedules", prefixSchedule({ batch: { ...LABEL_TEMPLATE, completion_window: "3 weeks" } }));
    expect(response.status).toBe(400);
    expect(response.json.error.param).toBe("batch.completion_window");
  });

  it("missing fixed file is 404", async () => {
    const response = await postJson("/api/schedules", prefixSchedule({ source: { file_id: "file_missing" } }));
    expect(response.status).toBe(404);
    expect(response.json.error.code).toBe("file_not_found");
    expect(response.json.error.param).toBe("source.file_id");
  });

  it("unknown column of the fixed file is named", async () => {
    const file = await uploadCsv("columns.csv", ticketsCsv(uniqueTag("columns")));
    const response = await postJson("/api/schedules", prefixSchedule({ batch: { ...LABEL_TEMPLATE, text_column: "body" }, source: { file_id: file.id } }));
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe("unknown_column");
    expect(response.json.error.param).toBe("batch.text_column");
    expect(response.json.error.message).toContain('"body"');
  });

  it("placeholder no column fills is 400", async () => {
    const file = await uploadCsv("placeholders.csv", ticketsCsv(uniqueTag("placeholders")));
    const batch = { ...LABEL_TEMPLATE, system_prompt: "Label tickets from {region}." };
    const response = await postJson("/api/schedules", prefixSchedule({ batch, source: { file_id: file.id } }));
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe("missing_placeholder");
    expect(response.json.error.param).toBe("batch.system_prompt");
  });

  it("source with both or neither is 400", async () => {
    for (const source of [{ file_id: "file_x", prefix: "a-" }, {}]) {
      const response = await postJson("/api/schedules", prefixSchedule({ source }));
      expect(response.status, JSON.stringify(source)).toBe(400);
      expect(response.json.error.param).toBe("source");
      expect(response.json.error.message).toContain("exactly one of");
    }
  });

  it("prefix with a folder is 400", async () => {
    const response = await postJson("/api/schedules", prefixSchedule({ source: { prefix: "nightly/" } }));
    expect(response.status).toBe(400);
    expect(response.json.error.param).toBe("source.prefix");
    expect(response.json.error.message).toContain("base name");
  });

  it("unknown request field is 400", async () => {
    const response = await postJson("/api/schedules", prefixSchedule({ schedule: "daily" }));
    expect(response.status).toBe(400);
    expect(response.json.error.param).toBe("schedule");
  });

  it("tenant schedule limit is 409", async () => {
    const tenantId = await requestTenant();
    const now = new Date().toISOString();
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
       INSERT INTO schedules (id, tenant_id, name, cron, template, prefix, watermark_at, created_at, updated_at)
       SELECT 'sched_fill_' || i, ?, 'fill', '0 0 * * *', '{}', 'x-', ?, ?, ? FROM n`,
    )
      .bind(tenantId, now, now, now)
      .run();
    const response = await postJson("/api/schedules", prefixSchedule());
    expect(response.status).toBe(409);
    expect(response.json.error.code).toBe("schedule_limit_reached");
  });
});

describe("GET /api/schedules", () => {
  it("pages newest first", async () => {
    const first = await createSchedule(prefixSchedule({ name: "one" }));
    const second = await createSchedule(prefixSchedule({ name: "two" }));
    const third = await createSchedule(prefixSchedule({ name: "three" }));

    const page = await callApi("GET", "/api/schedules?limit=2");
    expect(page.status).toBe(200);
    expect(page.json.data.map((schedule: any) => schedule.id)).toEqual([third.id, second.id]);
    expect(page.json.has_more).toBe(true);
    expect(page.json.data[0].runs).toBeUndefined();

    const next = await callApi("GET", `/api/schedules?limit=2&after=${page.json.last_id}`);
    expect(next.json.data.map((schedule: any) => schedule.id)).toEqual([first.id]);
    expect(next.json.has_more).toBe(false);
  });

  it("list hides other tenants", async () => {
    await insertForeignSchedule();
    const page = await callApi("GET", "/api/schedules");
    expect(page.json.data).toEqual([]);
  });

  it("limit over the maximum is 400", async () => {
    const response = await callApi("GET", "/api/schedules?limit=1000");
    expect(response.status).toBe(400);
    expect(response.json.error.param).toBe("query.limit");
  });
});

describe("GET /api/schedules/{id}", () => {
  it("new schedule has no runs", async () => {
    const created = await createSchedule(prefixSchedule());
    const schedule = await getSchedule(created.id);
    expect(schedule.runs).toEqual([]);
    expect(schedule.next_run_at).toBe(created.next_run_at);
  });

  it("other tenant's schedule is 404", async () => {
    const id = await insertForeignSchedule();
    for (const [method, body] of [["GET"], ["PATCH", { paused: true }], ["DELETE"]] as const) {
      const response = await callApi(method, `/api/schedules/${id}`, body);
      expect(response.status, method).toBe(404);
      expect(response.json.error.code).toBe("not_found");
    }
    const row = await env.DB.prepare("SELECT paused FROM schedules WHERE id = ?").bind(id).first<{ paused: number }>();
    expect(row?.paused).toBe(0);
  });
});

describe("PATCH /api/schedules/{id}", () => {
  it("pause and resume", async () => {
    const created = await createSchedule(prefixSchedule());
    const paused = await callApi("PATCH", `/api/schedules/${created.id}`, { paused: true });
    expect(paused.status, paused.text).toBe(200);
    expect(paused.json.paused).toBe(true);
    expect(paused.json.next_run_at).toBeNull();

    const resumed = await callApi("PATCH", `/api/schedules/${created.id}`, { paused: false });
    expect(resumed.json.paused).toBe(false);
    expect(Date.parse(resumed.json.next_run_at)).toBeGreaterThan(Date.now() - 60_000);
  });

  it("cron change recomputes next run", async () => {
    const created = await createSchedule(prefixSchedule());
    const changed = await callApi("PATCH", `/api/schedules/${created.id}`, { cron: "15 4 * * *", name: "early" });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.json.cron).toBe("15 4 * * *");
    expect(changed.json.name).toBe("early");
    expect(changed.json.next_run_at).toMatch(/T04:15:00\.000Z$/);
    expect(Date.parse(changed.json.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.updated_at));
  });

  it("invalid change leaves the schedule", async () => {
    const created = await createSchedule(prefixSchedule());
    const response = await callApi("PATCH", `/api/schedules/${created.id}`, { cron: "99 * * * *", name: "renamed" });
    expect(response.status).toBe(400);
    expect(response.json.error.details.field).toBe("minute");
    const schedule = await getSchedule(created.id);
    expect(schedule.cron).toBe("* * * * *");
    expect(schedule.name).toBe("nightly tickets");
  });

  it("template change is checked against the file", async () => {
    const file = await uploadCsv("patch.csv", ticketsCsv(uniqueTag("patch")));
    const created = await createSchedule(prefixSchedule({ source: { file_id: file.id } }));
    const response = await callApi("PATCH", `/api/schedules/${created.id}`, { batch: { ...LABEL_TEMPLATE, id_column: "ticket" } });
    expect(response.status).toBe(400);
    expect(response.json.error.param).toBe("batch.id_column");
  });

  it("source change is saved", async () => {
    const created = await createSchedule(prefixSchedule());
    const response = await callApi("PATCH", `/api/schedules/${created.id}`, { source: { prefix: "orders-" } });
    expect(response.status, response.text).toBe(200);
    expect(response.json.source).toEqual({ prefix: "orders-" });
  });

  it("empty change is 400", async () => {
    const created = await createSchedule(prefixSchedule());
    const response = await callApi("PATCH", `/api/schedules/${created.id}`, {});
    expect(response.status).toBe(400);
    expect(response.json.error.message).toContain("at least one of");
  });
});

describe("DELETE /api/schedules/{id}", () => {
  it("schedule is gone after delete", async () => {
    const created = await createSchedule(prefixSchedule());
    const deleted = await callApi("DELETE", `/api/schedules/${created.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.json).toEqual({ id: created.id, object: "schedule", deleted: true });
    const after = await callApi("GET", `/api/schedules/${created.id}`);
    expect(after.status).toBe(404);
  });
});
