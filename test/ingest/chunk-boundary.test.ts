// A 6 MB CRLF CSV with multi-byte text in every row, a header longer than 64 KiB, quoted
// CRLFs and quotes, parsed at several chunk sizes: every value must come out the same.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { getStoredFile, readFileRecords } from "../../src/ingest";
import type { FileRecord } from "../../src/ingest/types";
import { apiFetch } from "../support/api";
import { encoder, parseAll } from "./helpers";

const ROWS = 6000;
const SAMPLES = ["Zoë Müller", "Łukasz Ąę", "東京都渋谷区", "עברית ימין", "emoji 😀👍🏽", "Ørsted Å", "naïve café", "ℕ∑∫ maths", "한국어 텍스트", "Ελληνικά"];
const EXTRA_COLUMNS = Array.from({ length: 1000 }, (_, index) => `attr_${String(index).padStart(4, "0")}_${"x".repeat(60)}`);

/** SHA-256 of the CSV and of the expected-values JSONL that the reference Python generator writes. */
const REFERENCE_CSV_SHA256 = "ccd7aabd71bc85665d5c4fda34144d81cf2f0ba2204bce22228f6193f7cd69de";
const REFERENCE_EXPECTED_SHA256 = "4acc298792a0cc74ecce26d019c8330025e68d034cbd22fbd43a12cc5d06ad41";

interface ExpectedRow {
  id: string;
  name: string;
  note: string;
  last_col: string;
}

function quoteCell(cell: string): string {
  return /[,"\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", typeof data === "string" ? encoder.encode(data) : data);
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Builds the CSV and the expected values: a TypeScript port of the reference generator. */
async function generate(): Promise<{ csv: Uint8Array; expected: ExpectedRow[]; expectedJsonl: string }> {
  const lines = [["id", "name", "note", ...EXTRA_COLUMNS, "last_col"].join(",")];
  const expected: ExpectedRow[] = [];
  const jsonl: string[] = [];
  for (let index = 0; index < ROWS; index += 1) {
    const name = `${SAMPLES[index % SAMPLES.length]} #${index}`;
    const note = `row ${index} ${"é".repeat(index % 13)}${index % 7 === 0 ? "\r\nsecond line 😀" : ""}${index % 11 === 0 ? ' said "hi", ok' : ""}`;
    const last = `末尾${index}`;
    const cells = [String(index), name, note, ...EXTRA_COLUMNS.map(() => ""), last];
    lines.push(cells.map(quoteCell).join(","));
    expected.push({ id: String(index), name, note, last_col: last });
    const hash = await sha256Hex(`${name}\x1f${note}\x1f${last}`);
    jsonl.push(
      `{"id": ${JSON.stringify(String(index))}, "name": ${JSON.stringify(name)}, "note": ${JSON.stringify(note)}, "last_col": ${JSON.stringify(last)}, "sha256_name_note_last": "${hash}"}`,
    );
  }
  return { csv: encoder.encode(lines.join("\r\n") + "\r\n"), expected, expectedJsonl: jsonl.join("\n") + "\n" };
}

function checkRecords(records: FileRecord[], expected: ExpectedRow[]): string[] {
  const problems: string[] = [];
  if (records.length !== expected.length) problems.push(`${records.length} records`);
  records.forEach((record, index) => {
    const want = expected[index];
    const values = record.values as Record<string, string>;
    if (values.id !== want.id) problems.push(`record ${index}: id ${values.id}`);
    if (values.name !== want.name) problems.push(`id ${want.id}: name ${JSON.stringify(values.name)}`);
    if (values.note !== want.note) problems.push(`id ${want.id}: note ${JSON.stringify(values.note)}`);
    if (values.last_col !== want.last_col) problems.push(`id ${want.id}: last_col ${JSON.stringify(values.last_col)}`);
    for (const [key, value] of Object.entries(values)) {
      if (value.includes("\uFFFD")) problems.push(`id ${want.id}: U+FFFD in ${key}`);
      if (value.endsWith("\r")) problems.push(`id ${want.id}: ${key} ends with CR`);
    }
  });
  return problems.slice(0, 10);
}

describe("CSV chunk boundaries", () => {
  let generated: Awaited<ReturnType<typeof generate>>;

  beforeAll(async () => {
    generated = await generate();
  });

  it("generator matches the reference bytes", async () => {
    expect(generated.csv.byteLength).toBe(6_459_973);
    expect(await sha256Hex(generated.csv)).toBe(REFERENCE_CSV_SHA256);
    expect(await sha256Hex(generated.expectedJsonl)).toBe(REFERENCE_EXPECTED_SHA256);
  });

  it("parses every row the same at any chunk size", async () => {
    const digests: string[] = [];
    for (const size of [0, 1024, 16 * 1024, 64 * 1024]) {
      const { records, report } = await parseAll(generated.csv, { format: "csv", delimiter: null, charset: null }, size);
      expect(report.delimiter).toBe(",");
      expect(report.columns).toHaveLength(1004);
      expect(report.columns.at(-1)).toBe("last_col");
      expect(report.skippedRows).toBe(0);
      expect(checkRecords(records, generated.expected)).toEqual([]);
      digests.push(await sha256Hex(JSON.stringify(records.map((record) => [record.index, record.line, Object.values(record.values)]))));
    }
    expect(new Set(digests).size).toBe(1);
  });

  it("reads the stored upload back with R2 chunking", async () => {
    const response = await apiFetch("/api/files?filename=wide.csv", {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: generated.csv,
    });
    const body = (await response.json()) as { id: string; item_count: number; columns: string[] };
    expect(response.status).toBe(201);
    expect(body.item_count).toBe(ROWS);
    expect(body.columns.at(-1)).toBe("last_col");

    const file = await getStoredFile(env, body.id);
    expect(file).not.toBeNull();
    const records: FileRecord[] = [];
    for await (const record of readFileRecords(env, file!)) records.push(record);
    expect(checkRecords(records, generated.expected)).toEqual([]);
    expect(records.map((record) => record.index).slice(0, 3)).toEqual([0, 1, 2]);
    expect(records[1].line).toBe(4);
  });
});
