import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import contactsBom from "../fixtures/files/contacts-bom.csv?raw";
import repeatedC from "../fixtures/files/header-repeated-c.csv?raw";
import trailingDelimiter from "../fixtures/files/trailing-delimiter.csv?raw";
import ordersBase64 from "../fixtures/files/orders-windows-1252.csv.base64?raw";
import placesBase64 from "../fixtures/files/places-utf16le.tsv.base64?raw";
import staffBase64 from "../fixtures/files/staff-shift-jis.csv.base64?raw";
import storeCodes from "../fixtures/files/store-codes.csv?raw";
import prettyArray from "../fixtures/files/pretty-array.jsonl?raw";
import badLines from "../fixtures/files/tickets-bad-lines.jsonl?raw";
import ticketsBlankRows from "../fixtures/files/tickets-blank-rows.csv?raw";
import ticketsOk from "../fixtures/files/tickets-crlf-blank-lines.jsonl?raw";
import reviews from "../fixtures/files/reviews.txt?raw";
import { getStoredFile, readFileRecords, type FileRecord } from "../../src/ingest";
import { base64Bytes } from "../ingest/helpers";
import { encoder, lineStream, multipartBody, send, storedKeys, streamOf, uploadMultipart, uploadRaw } from "./helpers";
import { ADMIN_TENANT } from "../../src/auth/middleware";

async function recordsOf(fileId: string): Promise<FileRecord[]> {
  const file = await getStoredFile(env, fileId);
  if (file === null) throw new Error(`file ${fileId} not found`);
  const records: FileRecord[] = [];
  for await (const record of readFileRecords(env, file)) records.push(record);
  return records;
}

describe("POST /api/files raw body", () => {
  it("stores a CSV and returns the file object", async () => {
    const response = await uploadRaw("?filename=contacts.csv", contactsBom, "text/csv");
    expect(response.status).toBe(201);
    const file = response.json;
    expect(file.id).toMatch(/^file_[0-9a-f]{32}$/);
    expect(file.object).toBe("file");
    expect(file.filename).toBe("contacts.csv");
    expect(file.bytes).toBe(191);
    expect(file.format).toBe("csv");
    expect(file.item_count).toBe(3);
    expect(file.columns).toEqual(["name", "phone", "comment"]);
    expect(file.delimiter).toBe(",");
    expect(file.charset).toBe("utf-8");
    expect(file.skipped_rows).toBe(0);
    expect(file.skipped_lines).toEqual([]);
    expect(Date.parse(file.created_at)).not.toBeNaN();
    expect(file.r2_key).toBeUndefined();
    expect(file.tenant_id).toBeUndefined();

    const stored = await env.FILES.get(`files/${ADMIN_TENANT}/${file.id}`);
    expect(new Uint8Array(await stored!.arrayBuffer())).toEqual(encoder.encode(contactsBom));
  });

  it("keeps identifier values exact", async () => {
    const response = await uploadRaw("?filename=codes.csv", storeCodes, "text/csv");
    expect(response.status).toBe(201);
    const records = await recordsOf(response.json.id);
    expect(records.map((record) => record.values.from)).toEqual(["0700", "0930", "0000"]);
    expect(records.map((record) => record.values.big_id)).toEqual(["12345678901234567890", "9007199254740993", "0012"]);
  });

  it("reports skipped blank rows", async () => {
    const response = await uploadRaw("?filename=tickets.csv", ticketsBlankRows, "text/csv");
    expect(response.status).toBe(201);
    expect(response.json.item_count).toBe(3);
    expect(response.json.skipped_rows).toBe(5);
    expect(response.json.skipped_lines).toEqual([4, 6, 7, 8, 9]);
  });

  it("accepts a chunked body without Content-Length", async () => {
    const bytes = encoder.encode(ticketsOk);
    const response = await uploadRaw("?filename=tickets.jsonl", streamOf(bytes, 7));
    expect(response.status).toBe(201);
    expect(response.json.bytes).toBe(bytes.byteLength);
    expect(response.json.format).toBe("jsonl");
    expect(response.json.item_count).toBe(4);
    const records = await recordsOf(response.json.id);
    expect(records.map((record) => record.values.id)).toEqual(["t1", "t2", "t3", "t4"]);
  });

  it("stores a chunked body larger than one R2 part", async () => {
    const count = 300_000;
    const { stream, pulled } = lineStream(count, (index) => `review ${index}: ${"ok ".repeat(10)}\n`);
    const response = await uploadRaw("?filename=reviews.txt", stream, "text/plain");
    expect(response.status).toBe(201);
    expect(pulled.bytes).toBeGreaterThan(2 * 5 * 1024 * 1024);
    expect(response.json.bytes).toBe(pulled.bytes);
    expect(response.json.item_count).toBe(count);
    const head = await env.FILES.head(`files/${ADMIN_TENANT}/${response.json.id}`);
    expect(head!.size).toBe(pulled.bytes);

    let seen = 0;
    let last: FileRecord | null = null;
    const file = await getStoredFile(env, response.json.id);
    for await (const record of readFileRecords(env, file!)) {
      seen += 1;
      last = record;
    }
    expect(seen).toBe(count);
    expect(last!.values.text).toBe(`review ${count - 1}: ${"ok ".repeat(10)}`);
    expect(last!.line).toBe(count);
  });

  it("rejects repeated header names and stores nothing", async () => {
    const before = await storedKeys();
    const response = await uploadRaw("?filename=repeated.csv", repeatedC, "text/csv");
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe("duplicate_column_names");
    expect(response.json.error.message).toContain('"c" at columns 1, 2, 3');
    expect(await storedKeys()).toEqual(before);
  });

  it("drops a trailing unnamed column", async () => {
    const response = await uploadRaw("?filename=trailing.csv", trailingDelimiter, "text/csv");
    expect(response.status).toBe(201);
    expect(response.json.columns).toEqual(["a", "b", "c"]);
    const records = await recordsOf(response.json.id);
    expect(records.map((record) => record.values)).toEqual([
      { a: "a1", b: "b1", c: "c1" },
      { a: "a2", b: "b2", c: "c2" },
    ]);
  });

  it("reads plain text line by line", async () => {
    const response = await uploadRaw("?filename=reviews.txt", reviews, "text/plain");
    expect(response.status).toBe(201);
    const records = await recordsOf(response.json.id);
    expect(records.map((record) => record.values.text)).toEqual([
      "First review: works great",
      "Second review: arrived broken",
      'Third review: "meh", 3/5',
    ]);
  });

  it("requires a filename", async () => {
    const response = await uploadRaw("", "a\n1\n", "text/csv");
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe("missing_filename");
    expect(response.json.error.param).toBe("filename");
  });

  it("rejects unknown query parameters", async () => {
    const response = await uploadRaw("?filename=a.csv&sheet=2", "a\n1\n", "text/csv");
    expect(response.status).toBe(400);
    expect(response.json.error.message).toContain('"sheet"');
  });

  it("rejects an unknown format value", async () => {
    const response = await uploadRaw("?filename=a.csv&format=xlsx", "a\n1\n", "text/csv");
    expect(response.status).toBe(400);
    expect(response.json.error.message).toContain("format");
  });

  it("strips the path from a filename", async () => {
    const response = await uploadRaw(`?filename=${encodeURIComponent("C:\\fakepath\\data.csv")}`, "a\n1\n", "text/csv");
    expect(response.status).toBe(201);
    expect(response.json.filename).toBe("data.csv");
  });
});

describe("POST /api/files format choice", () => {
  it("detects the format by extension", async () => {
    const response = await uploadRaw("?filename=tickets.ndjson", ticketsOk);
    expect(response.json.format).toBe("jsonl");
  });

  it("detects the format by content type", async () => {
    const response = await uploadRaw("?filename=export", ticketsOk, "application/x-ndjson");
    expect(response.status).toBe(201);
    expect(response.json.format).toBe("jsonl");
  });

  it("lets the format parameter win", async () => {
    const response = await uploadRaw("?filename=contacts.csv&format=text", contactsBom, "text/csv");
    expect(response.status).toBe(201);
    expect(response.json.format).toBe("text");
    expect(response.json.item_count).toBe(4);
    expect(response.json.delimiter).toBeNull();
  });

  it("asks for the format when unknown", async () => {
    const response = await uploadRaw("?filename=data.bin", "a\n1\n");
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe("unknown_format");
    expect(response.json.error.param).toBe("format");
  });

  it("reads a .tsv file with tabs", async () => {
    const response = await uploadRaw("?filename=places.tsv", "a\tb,c\n1\t2,3\n");
    expect(response.status).toBe(201);
    expect(response.json.delimiter).toBe("\t");
    expect(response.json.columns).toEqual(["a", "b,c"]);
  });

  it("applies a delimiter override", async () => {
    const ambiguous = await uploadRaw("?filename=mixed.csv", "a;b,c\n1;2,3\n", "text/csv");
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.json.error.code).toBe("ambiguous_delimiter");
    expect(ambiguous.json.error.param).toBe("delimiter");

    const response = await uploadRaw("?filename=mixed.csv&delimiter=semicolon", "a;b,c\n1;2,3\n", "text/csv");
    expect(response.status).toBe(201);
    expect(response.json.delimiter).toBe(";");
    expect(response.json.columns).toEqual(["a", "b,c"]);
  });

  it("rejects a delimiter for non-CSV files", async () => {
    const response = await uploadRaw("?filename=a.txt&delimiter=tab", "hello\n", "text/plain");
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe("invalid_delimiter");
  });
});

describe("POST /api/files charsets", () => {
  it("rejects invalid UTF-8 and stores nothing", async () => {
    const before = await storedKeys();
    const response = await uploadRaw("?filename=orders.csv", base64Bytes(ordersBase64), "text/csv");
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe("invalid_encoding");
    expect(response.json.error.message).toContain("byte 0xEB at offset 25");
    expect(await storedKeys()).toEqual(before);
  });

  it("decodes the charset of the Content-Type", async () => {
    const response = await uploadRaw("?filename=orders.csv", base64Bytes(ordersBase64), "text/csv; charset=windows-1252");
    expect(response.status).toBe(201);
    expect(response.json.charset).toBe("windows-1252");
    const records = await recordsOf(response.json.id);
    expect(records[0].values).toEqual({ name: "Zoë Müller", city: "Köln", amount: "€12,50", note: "café crème" });
    expect(records[2].values.note).toBe("smörgåsbord – “special”");
  });

  it("decodes the charset parameter", async () => {
    const response = await uploadRaw("?filename=staff.csv&charset=shift_jis", base64Bytes(staffBase64), "text/csv");
    expect(response.status).toBe(201);
    const records = await recordsOf(response.json.id);
    expect(records[0].values["氏名"]).toBe("山田 太郎");
  });

  it("detects UTF-16 by its BOM", async () => {
    const response = await uploadRaw("?filename=places.txt&format=csv", base64Bytes(placesBase64));
    expect(response.status).toBe(201);
    expect(response.json.charset).toBe("utf-16le");
    expect(response.json.columns).toEqual(["name", "city", "note"]);
    const records = await recordsOf(response.json.id);
    expect(records[1].values).toEqual({ name: "田中 花子", city: "東京", note: "予約の変更" });
  });

  it("rejects an unknown charset", async () => {
    const response = await uploadRaw("?filename=a.csv&charset=ebcdic-42", "a\n1\n", "text/csv");
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe("unsupported_charset");
  });
});

describe("POST /api/files JSON validation", () => {
  it("lists invalid JSONL lines and stores nothing", async () => {
    const before = await storedKeys();
    const response = await uploadRaw("?filename=tickets.jsonl", badLines);
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe("invalid_records");
    expect(response.json.error.details.invalid_lines.map((problem: { line: number }) => problem.line)).toEqual([3, 5, 6]);
    expect(await storedKeys()).toEqual(before);
  });

  it("rejects a JSON array named .jsonl", async () => {
    const response = await uploadRaw("?filename=export.jsonl", prettyArray);
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe("json_array_in_jsonl");
    expect(response.json.error.message).toContain("format=json");
  });

  it("accepts the same array as json", async () => {
    const response = await uploadRaw("?filename=export.jsonl&format=json", prettyArray);
    expect(response.status).toBe(201);
    expect(response.json.item_count).toBe(2);
  });
});

describe("POST /api/files multipart", () => {
  it("streams the file part", async () => {
    const body = multipartBody([{ name: "file", filename: "contacts.csv", contentType: "text/csv", body: contactsBom }]);
    const response = await uploadMultipart("", body);
    expect(response.status).toBe(201);
    expect(response.json.filename).toBe("contacts.csv");
    expect(response.json.bytes).toBe(191);
    expect(response.json.columns).toEqual(["name", "phone", "comment"]);
    const stored = await env.FILES.get(`files/${ADMIN_TENANT}/${response.json.id}`);
    expect(new Uint8Array(await stored!.arrayBuffer())).toEqual(encoder.encode(contactsBom));
  });

  it("parses the same at any chunk size", async () => {
    const binary = base64Bytes(ordersBase64);
    const body = multipartBody([
      { name: "charset", body: "windows-1252" },
      { name: "file", filename: "orders.csv", contentType: "text/csv", body: binary },
    ]);
    for (const size of [1, 2, 5, 61, 4096]) {
      const response = await uploadMultipart("", streamOf(body, size));
      expect(response.status).toBe(201);
      expect(response.json.bytes).toBe(binary.byteLength);
      expect(response.json.charset).toBe("windows-1252");
      const stored = await env.FILES.get(`files/${ADMIN_TENANT}/${response.json.id}`);
      expect(new Uint8Array(await stored!.arrayBuffer())).toEqual(binary);
    }
  });

  it("applies form fields before the file", async () => {
    const body = multipartBody([
      { name: "format", body: "text" },
      { name: "file", filename: "contacts.csv", contentType: "text/csv", body: contactsBom },
    ]);
    const response = await uploadMultipart("", body);
    expect(response.status).toBe(201);
    expect(response.json.format).toBe("text");
  });

  it("rejects a form field that conflicts with the query", async () => {
    const body = multipartBody([
      { name: "format", body: "text" },
      { name: "file", filename: "contacts.csv", body: contactsBom },
    ]);
    const response = await uploadMultipart("?format=csv", body);
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe("conflicting_parameter");
  });

  it("takes the filename parameter over the part's", async () => {
    const body = multipartBody([{ name: "file", filename: "blob", body: "hello\n" }]);
    const response = await uploadMultipart("?filename=notes.txt", body);
    expect(response.status).toBe(201);
    expect(response.json.filename).toBe("notes.txt");
    expect(response.json.format).toBe("text");
  });

  it("requires a part named file", async () => {
    const response = await uploadMultipart("", multipartBody([{ name: "format", body: "csv" }]));
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe("missing_file");
  });

  it("rejects unknown form fields", async () => {
    const response = await uploadMultipart("", multipartBody([{ name: "sheet", body: "2" }, { name: "file", filename: "a.csv", body: "a\n1\n" }]));
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe("unexpected_form_field");
    expect(response.json.error.message).toContain('"sheet"');
  });

  it("rejects parts after the file and stores nothing", async () => {
    const before = await storedKeys();
    const body = multipartBody([
      { name: "file", filename: "a.csv", body: "a\n1\n" },
      { name: "file", filename: "b.csv", body: "b\n2\n" },
    ]);
    const response = await uploadMultipart("", body);
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe("unexpected_form_field");
    expect(await storedKeys()).toEqual(before);
  });

  it("rejects a body without the closing boundary", async () => {
    const body = multipartBody([{ name: "file", filename: "a.csv", body: "a\n1\n" }]);
    const cut = body.slice(0, body.byteLength - 30);
    const response = await uploadMultipart("", cut);
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe("invalid_multipart");
  });

  it("requires a boundary parameter", async () => {
    const response = await send("POST", "/api/files", "x", { "content-type": "multipart/form-data" });
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe("invalid_multipart");
  });
});

describe("GET and DELETE /api/files", () => {
  it("returns one file", async () => {
    const created = await uploadRaw("?filename=reviews.txt", reviews, "text/plain");
    const response = await send("GET", `/api/files/${created.json.id}`);
    expect(response.status).toBe(200);
    expect(response.json).toEqual(created.json);
  });

  it("returns 404 for an unknown id", async () => {
    const response = await send("GET", "/api/files/file_00000000000000000000000000000000");
    expect(response.status).toBe(404);
    expect(response.json.error.type).toBe("not_found_error");
  });

  it("pages through files newest first", async () => {
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      const created = await uploadRaw(`?filename=page-${index}.txt`, `item ${index}\n`, "text/plain");
      ids.push(created.json.id);
    }

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? "?limit=2" : `?limit=2&cursor=${cursor}`;
      const page = await send("GET", `/api/files${query}`);
      expect(page.status).toBe(200);
      expect(page.json.object).toBe("list");
      expect(page.json.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.json.data.map((file: { id: string }) => file.id));
      cursor = page.json.next_cursor;
      expect(page.json.has_more).toBe(cursor !== null);
      pages += 1;
    } while (cursor !== null && pages < 50);

    expect(new Set(seen).size).toBe(seen.length);
    const ours = seen.filter((id) => ids.includes(id));
    expect(ours).toEqual([...ids].reverse());
  });

  it("rejects an invalid cursor and limit", async () => {
    const cursor = await send("GET", "/api/files?cursor=not-a-cursor");
    expect(cursor.status).toBe(400);
    expect(cursor.json.error.code).toBe("invalid_cursor");
    const limit = await send("GET", "/api/files?limit=0");
    expect(limit.status).toBe(400);
    const unknown = await send("GET", "/api/files?order=asc");
    expect(unknown.status).toBe(400);
  });

  it("deletes the row and the R2 object", async () => {
    const created = await uploadRaw("?filename=doomed.txt", "bye\n", "text/plain");
    const key = `files/${ADMIN_TENANT}/${created.json.id}`;
    expect(await env.FILES.head(key)).not.toBeNull();

    const response = await send("DELETE", `/api/files/${created.json.id}`);
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ id: created.json.id, object: "file", deleted: true });
    expect(await env.FILES.head(key)).toBeNull();
    expect((await send("GET", `/api/files/${created.json.id}`)).status).toBe(404);
    expect((await send("DELETE", `/api/files/${created.json.id}`)).status).toBe(404);
  });
});
