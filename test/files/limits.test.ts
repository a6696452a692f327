// Boundary files for the 100 MB upload limit and the 1,000,000-item limit, generated as
// streams so the test never builds a 100 MB string.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getStoredFile, readFileRecords } from "../../src/ingest";
import { encoder, lineStream, send, storedKeys, uploadRaw } from "./helpers";

const LIMIT_BYTES = 100_000_000;

/** Streams a CSV of exactly `total` bytes: a header, then rows of 500 x's, with the last row cut to fit. */
function csvOfSize(total: number) {
  const pulled = { bytes: 0 };
  let written = 0;
  let row = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (written >= total) {
        controller.close();
        return;
      }
      let text = written === 0 ? "id,text\n" : "";
      while (text.length < 65_536 && written + text.length < total) {
        let line = `${row},${"x".repeat(500)}\n`;
        const room = total - written - text.length;
        if (line.length > room) line = `${line.slice(0, room - 1)}\n`;
        text += line;
        row += 1;
      }
      const bytes = encoder.encode(text);
      written += bytes.byteLength;
      pulled.bytes += bytes.byteLength;
      controller.enqueue(bytes);
    },
  });
  return { stream, pulled };
}

/** Lines of exactly 100 bytes each, so 1,000,000 of them make exactly 100,000,000 bytes. */
function hundredByteLine(index: number): string {
  const prefix = `review ${index}: `;
  return `${prefix}${"o".repeat(99 - prefix.length)}\n`;
}

describe("upload size limit", () => {
  it("rejects a declared length over the limit before reading", async () => {
    const body = new FixedLengthStream(LIMIT_BYTES + 1);
    const { stream, pulled } = csvOfSize(LIMIT_BYTES + 1);
    stream.pipeTo(body.writable).catch(() => undefined);
    const response = await uploadRaw("?filename=over.csv", body.readable, "text/csv");
    expect(response.status).toBe(413);
    expect(response.json.error.code).toBe("payload_too_large");
    expect(response.json.error.message).toContain("100 MB (100,000,000 bytes)");
    expect(response.json.error.message).toContain("100,000,001 bytes");
    expect(pulled.bytes).toBeLessThan(1_000_000);
  });

  it("rejects a declared multipart length over the limit", async () => {
    const body = new FixedLengthStream(LIMIT_BYTES + 70_000);
    const { stream, pulled } = csvOfSize(LIMIT_BYTES + 70_000);
    stream.pipeTo(body.writable).catch(() => undefined);
    const response = await send("POST", "/api/files", body.readable, { "content-type": "multipart/form-data; boundary=x" });
    expect(response.status).toBe(413);
    expect(pulled.bytes).toBeLessThan(1_000_000);
  });

  it("stops a streamed body one byte over the limit", async () => {
    const before = await storedKeys();
    const { stream, pulled } = csvOfSize(LIMIT_BYTES + 1);
    const response = await uploadRaw("?filename=over.csv", stream, "text/csv");
    expect(response.status).toBe(413);
    expect(response.json.error.message).toContain("100 MB (100,000,000 bytes)");
    expect(response.json.error.message).toContain("nothing was stored");
    expect(pulled.bytes).toBe(LIMIT_BYTES + 1);
    expect(await storedKeys()).toEqual(before);
  });

  it("accepts exactly 100,000,000 bytes and 1,000,000 items", async () => {
    const { stream, pulled } = lineStream(1_000_000, hundredByteLine);
    const response = await uploadRaw("?filename=exact.txt", stream, "text/plain");
    expect(response.status).toBe(201);
    expect(pulled.bytes).toBe(LIMIT_BYTES);
    expect(response.json.bytes).toBe(LIMIT_BYTES);
    expect(response.json.item_count).toBe(1_000_000);
    await send("DELETE", `/api/files/${response.json.id}`);
  });
});

describe("item count limit", () => {
  it("accepts exactly 1,000,000 lines", async () => {
    const { stream } = lineStream(1_000_000, (index) => `review ${index}: ok\n`);
    const response = await uploadRaw("?filename=items-1000000.txt", stream, "text/plain");
    expect(response.status).toBe(201);
    expect(response.json.item_count).toBe(1_000_000);
    expect(response.json.skipped_rows).toBe(0);
  });

  it("ignores trailing blank CRLF lines", async () => {
    const { stream } = lineStream(1_000_000, (index) => `review ${index}: ok\r\n`, "\r\n\r\n\r\n");
    const response = await uploadRaw("?filename=items-1000000-plus-blank.txt", stream, "text/plain");
    expect(response.status).toBe(201);
    expect(response.json.item_count).toBe(1_000_000);
    expect(response.json.skipped_rows).toBe(3);
    expect(response.json.skipped_lines).toEqual([1_000_001, 1_000_002, 1_000_003]);

    const file = await getStoredFile(env, response.json.id);
    let last = "";
    let carriageReturns = 0;
    for await (const record of readFileRecords(env, file!)) {
      last = record.values.text as string;
      if (last.includes("\r")) carriageReturns += 1;
    }
    expect(last).toBe("review 999999: ok");
    expect(carriageReturns).toBe(0);
  });

  it("rejects 1,000,001 lines naming the count", async () => {
    const before = await storedKeys();
    const { stream } = lineStream(1_000_001, (index) => `review ${index}: ok\n`);
    const response = await uploadRaw("?filename=items-1000001.txt", stream, "text/plain");
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe("too_many_items");
    expect(response.json.error.message).toContain("1,000,001 items");
    expect(response.json.error.message).toContain("limit is 1,000,000 items");
    expect(response.json.error.details).toEqual({ item_count: 1_000_001, limit: 1_000_000 });
    expect(await storedKeys()).toEqual(before);
  });

  it("rejects 1,000,001 JSONL objects", async () => {
    const before = await storedKeys();
    const { stream, pulled } = lineStream(1_000_001, (index) => `{"id":"j${index}","text":"ok"}\n`);
    const response = await uploadRaw("?filename=items-1000001.jsonl", stream);
    expect(pulled.bytes).toBeLessThan(LIMIT_BYTES);
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe("too_many_items");
    expect(response.json.error.message).toContain("1,000,001 items");
    expect(await storedKeys()).toEqual(before);
  });
});
