import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import bottles from "../fixtures/batches/bottles.json";
import enrichRequest from "../fixtures/batches/bottles-enrich-request.json";
import { uniqueTag } from "../support/fake-llm";
import { RESULT_ROWS_PER_STATEMENT } from "../../src/storage/results";
import { drain, envWith, fetchWith, limitedD1, RecordingQueue } from "./pipeline";

describe("D1 bound-parameter limit", () => {
  it("double rejects 101 parameters", async () => {
    const { db } = limitedD1(env.DB);
    const placeholders = Array.from({ length: 101 }, () => "?").join(", ");
    const statement = db.prepare(`SELECT ${placeholders}`);
    expect(() => statement.bind(...Array.from({ length: 101 }, (_, i) => i))).toThrow(/too many SQL variables/);
    const hundred = Array.from({ length: 100 }, () => "?").join(", ");
    const row = await db.prepare(`SELECT ${hundred}`).bind(...Array.from({ length: 100 }, (_, i) => i)).raw();
    expect(row[0]).toHaveLength(100);
  });

  it("enrich batch with 12 fields stays under 100", async () => {
    const tag = uniqueTag("d1-limit");
    const { db, stats } = limitedD1(env.DB);
    const queue = new RecordingQueue();
    const testEnv = envWith({ DB: db, BATCH_QUEUE: queue as unknown as Queue });

    const items = bottles.map((item) => ({ id: item.id, text: `${tag} ${item.text}` }));
    const created = await fetchWith(testEnv, "POST", "/api/batches", { ...enrichRequest, items });
    expect(created.status, created.text).toBe(201);
    await drain(testEnv, queue);

    const batch = await fetchWith(testEnv, "GET", `/api/batches/${created.json.id}`);
    expect(batch.json.status).toBe("completed");
    expect(batch.json.request_counts).toEqual({ total: 40, completed: 40, failed: 0, cancelled: 0, expired: 0 });
    expect(stats.maxParameters).toBeLessThanOrEqual(100);
    // 13 columns per result row: 7 rows bind 91 parameters, the most that fit.
    expect(RESULT_ROWS_PER_STATEMENT).toBe(7);
    expect(stats.maxParameters).toBe(91);

    const fieldNames = Object.keys(enrichRequest.fields);
    const jsonl = await fetchWith(testEnv, "GET", `/api/batches/${created.json.id}/output?format=jsonl`);
    const records = jsonl.text.trim().split("\n").map((line: string) => JSON.parse(line));
    expect(records).toHaveLength(40);
    for (const record of records) {
      expect(Object.keys(record.output).sort()).toEqual([...fieldNames].sort());
      for (const name of fieldNames) expect(record.output[name]).not.toBeNull();
    }

    const json = await fetchWith(testEnv, "GET", `/api/batches/${created.json.id}/output?format=json`);
    expect(json.json.data).toHaveLength(40);
    expect(json.json.data[39].output).toEqual(records[39].output);

    const csv = await fetchWith(testEnv, "GET", `/api/batches/${created.json.id}/output?format=csv&include_input=false`);
    const lines = csv.text.trim().split("\r\n");
    expect(lines[0]).toBe(["index", "id", "status", ...fieldNames, "error_code", "error_message", "raw"].join(","));
    expect(lines).toHaveLength(41);
    for (const line of lines.slice(1)) expect(line.split(",").slice(3, 15).every((cell) => cell !== "")).toBe(true);
  });
});
