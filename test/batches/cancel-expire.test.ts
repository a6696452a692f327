import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import fastAndSlow from "../fixtures/batches/fast-and-slow-tickets.jsonl?raw";
import { callApi, postJson } from "../support/api";
import { fakeCalls, scriptFake, uniqueTag } from "../support/fake-llm";
import { createBatch, downloadCsv, downloadJsonl, downloadJsonPages, waitForBatch } from "./helpers";

/** Model latency of a slow item: long enough to be in flight at cancel, below the tests' 1500 ms model timeout. */
const SLOW_CALL_MS = 1_200;

interface Ticket {
  id: string;
  text: string;
  mock_delay_ms: number;
}

const tickets: Ticket[] = fastAndSlow
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => JSON.parse(line));

/** Submits the 5 fast and 20 slow tickets, each scripted on the fake with its own latency. */
async function submitTickets(tag: string) {
  for (const ticket of tickets) {
    await scriptFake(`<${tag}:${ticket.id}>`, [{ delay_ms: Math.min(ticket.mock_delay_ms, SLOW_CALL_MS) }]);
  }
  return createBatch({
    operation: "run",
    items: tickets.map((ticket) => ({ id: ticket.id, text: `<${tag}:${ticket.id}> ${ticket.text}` })),
  });
}

/** Waits until the fake has received every fast call, so the fast items are done or nearly so. */
async function waitForFastCalls(tag: string) {
  const deadline = Date.now() + 10_000;
  while ((await fakeCalls(`${tag}:fast-`)).length < 5) {
    if (Date.now() > deadline) throw new Error("fast items never reached the model");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await new Promise((resolve) => setTimeout(resolve, 150));
}

function coordinator(id: string) {
  return env.BATCH_COORDINATOR.get(env.BATCH_COORDINATOR.idFromName(id));
}

/** Checks that every download contains each of the 25 ids exactly once, agreeing with the counts. */
async function expectCompleteDownloads(id: string, counts: Record<string, number>) {
  const { records: jsonl } = await downloadJsonl(id);
  const { records: json } = await downloadJsonPages(id, 10);
  const csv = await downloadCsv(id);
  const csvIds = csv.text
    .trim()
    .split("\r\n")
    .slice(1)
    .map((line) => line.split(",")[1]);

  const expectedIds = tickets.map((ticket) => ticket.id);
  expect(jsonl.map((record) => record.id)).toEqual(expectedIds);
  expect(json.map((record) => record.id)).toEqual(expectedIds);
  expect(csvIds).toEqual(expectedIds);

  const byStatus: Record<string, number> = {};
  for (const record of jsonl) byStatus[record.status] = (byStatus[record.status] ?? 0) + 1;
  expect(byStatus.succeeded ?? 0).toBe(counts.completed);
  expect(byStatus.failed ?? 0).toBe(counts.failed);
  expect(byStatus.cancelled ?? 0).toBe(counts.cancelled);
  expect(byStatus.expired ?? 0).toBe(counts.expired);
  return jsonl;
}

describe("POST /api/batches/{id}/cancel", () => {
  it("cancel keeps finished and in-flight results", async () => {
    const tag = uniqueTag("cancel");
    const created = await submitTickets(tag);
    await waitForFastCalls(tag);
    const callsAtCancel = (await fakeCalls(tag)).length;

    const cancel = await postJson(`/api/batches/${created.id}/cancel`, {});
    expect(cancel.status, cancel.text).toBe(200);
    expect(cancel.json.status).toBe("cancelling");
    expect(cancel.json.cancelling_at).not.toBeNull();

    const batch = await waitForBatch(created.id);
    expect(batch.status).toBe("cancelled");
    expect(batch.cancelled_at).not.toBeNull();
    const counts = batch.request_counts;
    expect(counts.total).toBe(25);
    expect(counts.completed + counts.failed + counts.cancelled + counts.expired).toBe(25);
    expect(counts.cancelled).toBeGreaterThan(0);
    expect(counts.expired).toBe(0);

    // Every call the model received started before the cancel, and the calls in flight finished as results.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const calls = await fakeCalls(tag);
    expect(calls.length).toBe(callsAtCancel);
    expect(counts.completed + counts.failed).toBe(calls.length);

    const records = await expectCompleteDownloads(created.id, counts);
    for (const record of records.filter((r) => r.id.startsWith("fast-"))) {
      expect(record.status).toBe("succeeded");
      expect(record.output).not.toBeNull();
    }
    for (const record of records.filter((r) => r.status === "cancelled")) {
      expect(record.id.startsWith("slow-")).toBe(true);
      expect(record.output).toBeNull();
      expect(record.error.code).toBe("cancelled");
      expect(record.usage).toEqual({ prompt_tokens: 0, completion_tokens: 0 });
    }

    const again = await postJson(`/api/batches/${created.id}/cancel`, {});
    expect(again.status).toBe(200);
    expect(again.json.status).toBe("cancelled");
    expect(again.json.request_counts).toEqual(counts);
  });

  it("cancel of a completed batch is 409", async () => {
    const tag = uniqueTag("cancel-done");
    const created = await createBatch({ operation: "run", items: [{ text: `${tag} one` }] });
    await waitForBatch(created.id);
    const response = await postJson(`/api/batches/${created.id}/cancel`, {});
    expect(response.status).toBe(409);
    expect(response.json.error.code).toBe("batch_not_cancellable");
    expect(response.json.error.message).toContain("completed");
  });

  it("cancel of an unknown batch is 404", async () => {
    const response = await postJson("/api/batches/batch_missing/cancel", {});
    expect(response.status).toBe(404);
    expect(response.json.error.code).toBe("not_found");
  });
});

describe("batch expiry", () => {
  it("expiry keeps finished results", async () => {
    const tag = uniqueTag("expire");
    const created = await submitTickets(tag);
    await waitForFastCalls(tag);

    // Move the deadline into the past, then fire the alarm as the runtime would.
    await runInDurableObject(coordinator(created.id), async (_instance, state) => {
      const meta = (await state.storage.get("meta")) as Record<string, unknown>;
      await state.storage.put("meta", { ...meta, expires_at: new Date(Date.now() - 1000).toISOString() });
    });
    expect(await runDurableObjectAlarm(coordinator(created.id))).toBe(true);

    const batch = await waitForBatch(created.id);
    expect(batch.status).toBe("expired");
    expect(batch.expired_at).not.toBeNull();
    const counts = batch.request_counts;
    expect(counts.completed + counts.failed + counts.cancelled + counts.expired).toBe(25);
    expect(counts.expired).toBeGreaterThan(0);
    expect(counts.cancelled).toBe(0);

    const records = await expectCompleteDownloads(created.id, counts);
    for (const record of records.filter((r) => r.id.startsWith("fast-"))) expect(record.status).toBe("succeeded");
    for (const record of records.filter((r) => r.status === "expired")) {
      expect(record.error.code).toBe("expired");
      expect(record.output).toBeNull();
    }

    const cancel = await postJson(`/api/batches/${created.id}/cancel`, {});
    expect(cancel.status).toBe(409);
    const output = await callApi("GET", `/api/batches/${created.id}/output`);
    expect(output.json.partial).toBe(false);
  });
});
