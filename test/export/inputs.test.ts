import { env } from "cloudflare:workers";
import Papa from "papaparse";
import { describe, expect, it } from "vitest";
import { chunkKey } from "../../src/batch/types";
import { BATCH_CHUNK_ITEMS, MAX_ITEM_TEXT_CHARS } from "../../src/config/limits";
import contactsBom from "../fixtures/export/contacts-bom.csv?raw";
import contactsBomQuoted from "../fixtures/export/contacts-bom-quoted-header.csv?raw";
import storeCodes from "../fixtures/export/store-codes.csv?raw";
import { apiFetch, callApi, postJson } from "../support/api";
import { fakeCalls, scriptFake, uniqueTag } from "../support/fake-llm";
import { createBatch, downloadCsv, downloadJsonl, downloadJsonPages, uploadFile, waitForBatch } from "../batches/helpers";

const BOM = "\uFEFF";

/** Parses a CSV download into its header and rows of exact strings. */
function parseCsv(text: string) {
  const parsed = Papa.parse<Record<string, string>>(text, { header: true, newline: "\r\n", skipEmptyLines: true });
  expect(parsed.errors).toEqual([]);
  return { fields: parsed.meta.fields ?? [], rows: parsed.data };
}

async function downloadBytes(path: string): Promise<Uint8Array> {
  const response = await apiFetch(path);
  expect(response.status).toBe(200);
  return new Uint8Array(await response.arrayBuffer());
}

/** Counts the UTF-8 byte order marks (EF BB BF) anywhere in the bytes. */
function countBoms(bytes: Uint8Array): number {
  let count = 0;
  for (let i = 0; i + 2 < bytes.length; i++) if (bytes[i] === 0xef && bytes[i + 1] === 0xbb && bytes[i + 2] === 0xbf) count++;
  return count;
}

/** Uploads a CSV file and runs a finished label batch over it. */
async function runCsvFile(filename: string, content: string, template: string, textColumn?: string) {
  const file = await uploadFile(filename, content, "text/csv");
  const created = await createBatch({
    operation: "label",
    categories: ["billing", "bug", "praise"],
    file_id: file.id,
    text_column: textColumn,
    user_prompt_template: template,
  });
  const batch = await waitForBatch(created.id);
  expect(batch.status).toBe("completed");
  return { batchId: created.id as string, fileId: file.id as string };
}

describe("download inputs from a CSV with a BOM", () => {
  for (const [name, content, count] of [
    ["unquoted header", contactsBom, 3],
    ["quoted header", contactsBomQuoted, 2],
  ] as const) {
    it(`${name} echoes clean column names`, async () => {
      const tag = uniqueTag("bom-header");
      const { batchId } = await runCsvFile("contacts.csv", content, `Customer {name} wrote: {text} <${tag}>`, "comment");
      expect(await fakeCalls(tag)).toHaveLength(count);

      const jsonl = await callApi("GET", `/api/batches/${batchId}/output?format=jsonl`);
      expect(jsonl.text.includes(BOM)).toBe(false);
      const records = jsonl.text.trim().split("\n").map((line) => JSON.parse(line));
      expect(records).toHaveLength(count);
      expect(Object.keys(records[0].input.metadata)).toEqual(["name", "phone"]);
      expect(records[0].input.metadata.name).toBe("Ada Quill");
      expect(records[0].input.metadata.phone).toBe("0612345678");
      expect(records[0].input.text).toBe("Invoice was charged twice, please refund");
      expect(jsonl.text).toContain('"metadata":{"name":"Ada Quill"');

      const { records: paged } = await downloadJsonPages(batchId);
      expect(paged.map((record) => record.input)).toEqual(records.map((record) => record.input));

      const csv = await downloadCsv(batchId);
      expect(csv.text.includes(BOM)).toBe(false);
      const header = csv.text.split("\r\n")[0];
      expect(header).toBe("index,id,name,phone,comment,status,label,error_code,error_message,raw");
      expect(csv.text.split("\r\n")[1]).toMatch(/^0,2,Ada Quill,0612345678,"Invoice was charged twice, please refund",succeeded,(billing|bug|praise),,,$/);
      const { rows } = parseCsv(csv.text);
      expect(rows[0].name).toBe("Ada Quill");
      expect(rows[0].phone).toBe("0612345678");
      expect(rows[0].comment).toBe("Invoice was charged twice, please refund");

      const withBom = await downloadBytes(`/api/batches/${batchId}/output?format=csv&bom=true`);
      expect([...withBom.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      expect(new TextDecoder().decode(withBom.slice(3, 17))).toBe("index,id,name,");
      expect(countBoms(withBom)).toBe(1);
    });
  }
});

describe("download inputs of identifier columns", () => {
  it("store codes stay exact in every format", async () => {
    const tag = uniqueTag("store-codes");
    const { batchId } = await runCsvFile("store-codes.csv", storeCodes, `{text} <${tag}>`);

    const csv = await downloadCsv(batchId);
    const { fields, rows } = parseCsv(csv.text);
    expect(fields).toEqual(["index", "id", "code", "from", "to", "zip", "order_no", "phone", "sku", "big_id", "sci_like", "flag", "text", "status", "label", "error_code", "error_message", "raw"]);
    expect(rows.map((row) => row.from)).toEqual(["0700", "0930", "0000"]);
    expect(rows.map((row) => row.zip)).toEqual(["02134", "00501", "07030"]);
    expect(rows.map((row) => row.order_no)).toEqual(["00283762", "00283762-3", "23422827"]);
    expect(rows.map((row) => row.sku)).toEqual(["0077", "007", "1.10"]);
    expect(rows.map((row) => row.big_id)).toEqual(["12345678901234567890", "9007199254740993", "0012"]);
    expect(rows.map((row) => row.sci_like)).toEqual(["1E5", "5E3", "1e-3"]);
    expect(rows.map((row) => row.flag)).toEqual(["TRUE", "false", "NULL"]);
    // A leading + is a formula start, so that cell alone carries the apostrophe.
    expect(rows.map((row) => row.phone)).toEqual(["0612345678", "0033123456789", "'+4915112345678"]);
    expect(csv.text).toContain("IMSF01,0700,2200,02134,00283762,0612345678,0077,12345678901234567890,1E5,TRUE,");
    expect(csv.text).toContain(",9007199254740993,5E3,false,");

    const { records } = await downloadJsonl(batchId);
    const { records: paged } = await downloadJsonPages(batchId);
    for (const [format, list] of [["jsonl", records], ["json", paged]] as const) {
      const metadata = list.map((record) => record.input.metadata);
      expect(metadata.map((entry) => entry.from), format).toEqual(["0700", "0930", "0000"]);
      expect(metadata.map((entry) => entry.zip), format).toEqual(["02134", "00501", "07030"]);
      expect(metadata.map((entry) => entry.sci_like), format).toEqual(["1E5", "5E3", "1e-3"]);
      expect(metadata.map((entry) => entry.big_id), format).toEqual(["12345678901234567890", "9007199254740993", "0012"]);
      expect(metadata.map((entry) => entry.flag), format).toEqual(["TRUE", "false", "NULL"]);
      expect(list[0].input.text, format).toBe("Opening hours changed");
    }
  });
});

describe("download inputs of inline items", () => {
  it("inline items fix columns from the first chunk", async () => {
    const tag = uniqueTag("inline-inputs");
    const count = BATCH_CHUNK_ITEMS + 5;
    const items = Array.from({ length: count }, (_, i) => {
      const metadata: Record<string, unknown> = { country: i % 2 === 0 ? "FR" : "DE", status: "vip", "=cmd": "@SUM(1)", amount: -3 };
      if (i === 1) metadata.segment = "retail";
      if (i === count - 1) metadata.late_key = "0042";
      return { id: `i${i}`, text: i === 0 ? `=HYPERLINK("x") ${tag}` : `${tag} item ${i}`, metadata };
    });
    const created = await createBatch({ operation: "label", categories: ["a", "b"], items });
    await waitForBatch(created.id);

    const csv = await downloadCsv(created.id);
    const header = csv.text.split("\r\n")[0];
    expect(header).toBe(`index,id,text,country,input.status,"'=cmd",amount,segment,other_metadata,status,label,error_code,error_message,raw`);
    const { rows } = parseCsv(csv.text);
    expect(rows).toHaveLength(count);
    expect(rows[0].text).toBe(`'=HYPERLINK("x") ${tag}`);
    expect(rows[0]["'=cmd"]).toBe("'@SUM(1)");
    expect(rows[0].amount).toBe("-3");
    expect(rows[0]["input.status"]).toBe("vip");
    expect(rows[0].status).toBe("succeeded");
    expect(rows[0].segment).toBe("");
    expect(rows[1].segment).toBe("retail");
    expect(rows[0].other_metadata).toBe("");
    expect(JSON.parse(rows[count - 1].other_metadata)).toEqual({ late_key: "0042" });

    const { records } = await downloadJsonl(created.id);
    expect(records[0].input).toEqual({ text: items[0].text, metadata: items[0].metadata });
    expect(records[count - 1].input.metadata.late_key).toBe("0042");
    expect(Object.keys(records[0])).toEqual(["index", "id", "input", "status", "output", "error", "raw", "refusal", "warnings", "usage", "model_calls"]);
  });

  it("include_input=false leaves inputs out", async () => {
    const tag = uniqueTag("no-inputs");
    const created = await createBatch({ operation: "label", categories: ["a", "b"], items: [{ id: "a", text: `${tag} a`, metadata: { country: "FR" } }] });
    await waitForBatch(created.id);

    const jsonl = await callApi("GET", `/api/batches/${created.id}/output?format=jsonl&include_input=false`);
    expect(jsonl.status).toBe(200);
    expect(JSON.parse(jsonl.text.trim())).not.toHaveProperty("input");
    const json = await callApi("GET", `/api/batches/${created.id}/output?include_input=false`);
    expect(json.json.data[0]).not.toHaveProperty("input");
    const lines = (await downloadCsv(created.id, "&include_input=false")).text.split("\r\n");
    expect(lines[0]).toBe("index,id,status,label,error_code,error_message,raw");
    expect(lines[1].startsWith("0,a,succeeded,")).toBe(true);
    expect(lines).toHaveLength(3);

    const invalid = await callApi("GET", `/api/batches/${created.id}/output?include_input=no`);
    expect(invalid.status).toBe(400);
    expect(invalid.json.error.param).toBe("include_input");
    const misspelled = await callApi("GET", `/api/batches/${created.id}/output?include_inputs=false`);
    expect(misspelled.status).toBe(400);
    expect(misspelled.json.error.message).toContain("include_inputs");
  });
});

describe("download inputs when input is not stored", () => {
  it("missing chunk object leaves input null", async () => {
    const tag = uniqueTag("missing-chunk");
    const count = BATCH_CHUNK_ITEMS + 50;
    const items = Array.from({ length: count }, (_, i) => ({ id: `m${i}`, text: `${tag} item ${i}`, metadata: { n: String(i) } }));
    const created = await createBatch({ operation: "label", categories: ["a", "b"], items });
    await waitForBatch(created.id);
    await env.FILES.delete(chunkKey(created.id, 0));

    const { records } = await downloadJsonl(created.id);
    expect(records).toHaveLength(count);
    expect(records.slice(0, BATCH_CHUNK_ITEMS).every((record) => record.input === null)).toBe(true);
    expect(records.slice(0, BATCH_CHUNK_ITEMS).every((record) => record.status === "succeeded")).toBe(true);
    expect(records[BATCH_CHUNK_ITEMS].input).toEqual({ text: `${tag} item ${BATCH_CHUNK_ITEMS}`, metadata: { n: String(BATCH_CHUNK_ITEMS) } });

    const page = await callApi("GET", `/api/batches/${created.id}/output?after=${BATCH_CHUNK_ITEMS - 2}&limit=3`);
    expect(page.status).toBe(200);
    expect(page.json.data.map((record: { input: unknown }) => record.input === null)).toEqual([true, false, false]);

    // Without the first chunk no metadata key is known up front, so every key goes to other_metadata.
    const csv = await downloadCsv(created.id);
    const { fields, rows } = parseCsv(csv.text);
    expect(fields.slice(0, 5)).toEqual(["index", "id", "text", "other_metadata", "status"]);
    expect(rows).toHaveLength(count);
    expect(rows[0].text).toBe("");
    expect(rows[0].label).not.toBe("");
    expect(rows[BATCH_CHUNK_ITEMS].text).toBe(`${tag} item ${BATCH_CHUNK_ITEMS}`);
    expect(JSON.parse(rows[BATCH_CHUNK_ITEMS].other_metadata)).toEqual({ n: String(BATCH_CHUNK_ITEMS) });
  });

  it("overlong JSONL item has null input", async () => {
    const tag = uniqueTag("overlong");
    // The last line's integer is beyond 2^53, so it is written by hand: JSON.stringify cannot.
    const content = [
      JSON.stringify({ id: "h1", text: `${tag} short`, lang: "en" }),
      JSON.stringify({ id: "h2", text: `${tag} ${"x".repeat(MAX_ITEM_TEXT_CHARS)}`, lang: "en" }),
      `{"id":"h3","text":"${tag} short too","lang":"de","big":12345678901234567890}`,
    ].join("\n");
    const file = await uploadFile("tickets.jsonl", content, "application/jsonl");
    const created = await createBatch({ operation: "run", file_id: file.id });
    await waitForBatch(created.id);

    const { records } = await downloadJsonl(created.id);
    expect(records.map((record) => record.status)).toEqual(["succeeded", "failed", "succeeded"]);
    expect(records[1].error.code).toBe("input_too_long");
    expect(records[1].input).toBeNull();
    expect(records[0].input).toEqual({ text: `${tag} short`, metadata: { lang: "en" } });
    expect(records[2].input.metadata.big).toBe("12345678901234567890");

    const csv = await downloadCsv(created.id);
    const { fields, rows } = parseCsv(csv.text);
    expect(fields).toEqual(["index", "id", "text", "lang", "big", "other_metadata", "status", "output", "error_code", "error_message", "raw"]);
    expect(rows[1].text).toBe("");
    expect(rows[1].lang).toBe("");
    expect(rows[2].big).toBe("12345678901234567890");
  });

  it("deleted CSV file falls back to chunk keys", async () => {
    const tag = uniqueTag("deleted-file");
    const { batchId, fileId } = await runCsvFile("contacts.csv", contactsBom, `{name}: {text} <${tag}>`, "comment");
    const deleted = await callApi("DELETE", `/api/files/${fileId}`);
    expect(deleted.status).toBe(200);

    const csv = await downloadCsv(batchId);
    const { fields, rows } = parseCsv(csv.text);
    expect(fields).toEqual(["index", "id", "comment", "name", "phone", "other_metadata", "status", "label", "error_code", "error_message", "raw"]);
    expect(rows[2].name).toBe("Cyd Ferro");
    expect(rows[2].comment).toBe("Love the new dark mode");
    expect(rows[2].other_metadata).toBe("");
  });
});

describe("download inputs of a cancelled batch", () => {
  it("cancelled items keep their input", async () => {
    const tag = uniqueTag("cancel-inputs");
    // Each call takes 1.2 s, under the tests' 1.5 s model timeout, so the cancel lands while calls run.
    await scriptFake(tag, [{ delay_ms: 1_200 }], true);
    const items = Array.from({ length: 30 }, (_, i) => ({ id: `c${i}`, text: `${tag} ticket ${i}`, metadata: { queue: `q${i % 3}` } }));
    const created = await createBatch({ operation: "run", items });
    const deadline = Date.now() + 10_000;
    while ((await fakeCalls(tag)).length === 0) {
      if (Date.now() > deadline) throw new Error("no item reached the model");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const cancel = await postJson(`/api/batches/${created.id}/cancel`, {});
    expect(cancel.status).toBe(200);
    const batch = await waitForBatch(created.id);
    expect(batch.status).toBe("cancelled");

    const { records } = await downloadJsonl(created.id);
    expect(records).toHaveLength(items.length);
    const cancelled = records.filter((record) => record.status === "cancelled");
    expect(cancelled.length).toBeGreaterThan(0);
    for (const record of records) {
      expect(record.input, record.id).toEqual({ text: items[record.index].text, metadata: items[record.index].metadata });
    }

    const { rows } = parseCsv((await downloadCsv(created.id)).text);
    const cancelledRow = rows.find((row) => row.status === "cancelled")!;
    expect(cancelledRow.text).toBe(items[Number(cancelledRow.index)].text);
    expect(cancelledRow.queue).toBe(items[Number(cancelledRow.index)].metadata.queue);
  });
});
