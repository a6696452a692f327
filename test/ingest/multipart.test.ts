import { describe, expect, it } from "vitest";
import { boundaryOf, MultipartReader } from "../../src/ingest/multipart";
import { apiErrorOf, streamOf } from "./helpers";

const BOUNDARY = "XyZ-boundary";

async function readParts(text: string, size: number) {
  const reader = new MultipartReader(streamOf(text, size), BOUNDARY);
  const parts: { name: string; filename: string | null; contentType: string | null; body: string }[] = [];
  for (let part = await reader.nextPart(); part !== null; part = await reader.nextPart()) {
    const chunks: Uint8Array[] = [];
    for await (const chunk of part.body) chunks.push(chunk.slice());
    const body = new TextDecoder().decode(new Uint8Array(chunks.flatMap((chunk) => [...chunk])));
    parts.push({ name: part.name, filename: part.filename, contentType: part.contentType, body });
  }
  return parts;
}

describe("MultipartReader", () => {
  it("splits parts at any chunk size", async () => {
    const nearMiss = "line\r\n--XyZ-boundar\r\n--XyZ not it\r\n-";
    const text =
      `preamble to ignore\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="format"\r\n\r\ncsv\r\n` +
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a \\"b\\".csv"\r\nContent-Type: text/csv\r\n\r\n${nearMiss}\r\n` +
      `--${BOUNDARY}--\r\nepilogue`;
    for (const size of [1, 2, 3, 11, 1000]) {
      const parts = await readParts(text, size);
      expect(parts).toEqual([
        { name: "format", filename: null, contentType: null, body: "csv" },
        { name: "file", filename: 'a "b".csv', contentType: "text/csv", body: nearMiss },
      ]);
    }
  });

  it("decodes an extended filename", async () => {
    const text = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="fallback.csv"; filename*=UTF-8''r%C3%A9sum%C3%A9.csv\r\n\r\nx\r\n--${BOUNDARY}--`;
    const parts = await readParts(text, 5);
    expect(parts[0].filename).toBe("résumé.csv");
  });

  it("skips an unread part body", async () => {
    const text = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n\r\n${"z".repeat(5000)}\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="b"\r\n\r\nB\r\n--${BOUNDARY}--\r\n`;
    const reader = new MultipartReader(streamOf(text, 64), BOUNDARY);
    expect((await reader.nextPart())!.name).toBe("a");
    const second = await reader.nextPart();
    expect(second!.name).toBe("b");
    expect(await MultipartReader.readText(second!)).toBe("B");
    expect(await reader.nextPart()).toBeNull();
  });

  it("rejects a part without a name", async () => {
    const text = `--${BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nx\r\n--${BOUNDARY}--`;
    const error = await apiErrorOf(readParts(text, 4));
    expect(error.code).toBe("invalid_multipart");
    expect(error.message).toContain("Content-Disposition");
  });

  it("rejects oversized part headers", async () => {
    const text = `--${BOUNDARY}\r\nX-Padding: ${"p".repeat(20_000)}\r\n\r\nx\r\n--${BOUNDARY}--`;
    const error = await apiErrorOf(readParts(text, 1024));
    expect(error.message).toContain("headers are longer than");
  });

  it("rejects a body with no boundary", async () => {
    const error = await apiErrorOf(readParts("just some bytes", 3));
    expect(error.message).toContain("no boundary line");
  });

  it("reads quoted and plain boundaries", () => {
    expect(boundaryOf('multipart/form-data; boundary="a b:c"')).toBe("a b:c");
    expect(boundaryOf("multipart/form-data; charset=utf-8; boundary=----x1")).toBe("----x1");
  });
});
