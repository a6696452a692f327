import { describe, expect, it } from "vitest";
import { findInvalidUtf8, incompleteTailLength } from "../../src/ingest/utf8";
import ordersBase64 from "../fixtures/files/orders-windows-1252.csv.base64?raw";
import placesBase64 from "../fixtures/files/places-utf16le.tsv.base64?raw";
import staffBase64 from "../fixtures/files/staff-shift-jis.csv.base64?raw";
import { apiErrorOf, base64Bytes, csvOptions, inspect, parseAll } from "./helpers";

const orders = base64Bytes(ordersBase64);
const places = base64Bytes(placesBase64);
const staff = base64Bytes(staffBase64);

function hasReplacementCharacter(values: Record<string, unknown>[]): boolean {
  return values.some((value) => Object.entries(value).some(([key, text]) => `${key}${text}`.includes("\uFFFD")));
}

describe("UTF-8 validation", () => {
  it("names the first invalid byte and its offset", async () => {
    const error = await apiErrorOf(inspect(orders, csvOptions()));
    expect(error.status).toBe(400);
    expect(error.code).toBe("invalid_encoding");
    expect(error.options.param).toBe("charset");
    expect(error.message).toContain("byte 0xEB at offset 25");
    expect(error.options.details).toEqual({ charset: "utf-8", offset: 25, byte: "0xEB" });
  });

  it("finds the offset at any chunk size", async () => {
    for (const size of [1, 2, 3, 24, 26]) {
      const error = await apiErrorOf(inspect(orders, csvOptions(), size));
      expect(error.options.details).toEqual({ charset: "utf-8", offset: 25, byte: "0xEB" });
    }
  });

  it("reports a character cut off at the end", async () => {
    const bytes = new Uint8Array([...new TextEncoder().encode("a,b\n1,"), 0xe6, 0x9d]);
    const error = await apiErrorOf(inspect(bytes, csvOptions(), 1));
    expect(error.code).toBe("invalid_encoding");
    expect(error.message).toContain("ends inside a multi-byte character");
    expect(error.options.details).toEqual({ charset: "utf-8", offset: 6, byte: null });
  });

  it("decodes characters split across chunks", async () => {
    const text = "name,note\nZoë,東京 😀👍🏽\n";
    for (const size of [1, 2, 3, 5]) {
      const { records } = await parseAll(text, csvOptions(), size);
      expect(records[0].values).toEqual({ name: "Zoë", note: "東京 😀👍🏽" });
    }
  });

  it("validator rejects overlong and surrogate forms", () => {
    expect(findInvalidUtf8(new Uint8Array([0x61, 0xc0, 0xaf]), true)).toBe(1);
    expect(findInvalidUtf8(new Uint8Array([0xe0, 0x80, 0xaf]), true)).toBe(0);
    expect(findInvalidUtf8(new Uint8Array([0xed, 0xa0, 0x80]), true)).toBe(0);
    expect(findInvalidUtf8(new Uint8Array([0xf4, 0x90, 0x80, 0x80]), true)).toBe(0);
    expect(findInvalidUtf8(new Uint8Array([0x61, 0x80]), true)).toBe(1);
    expect(findInvalidUtf8(new TextEncoder().encode("Zoë 東京 😀"), true)).toBe(-1);
  });

  it("validator waits for a cut sequence unless final", () => {
    expect(findInvalidUtf8(new Uint8Array([0x61, 0xf0, 0x9f]), false)).toBe(-1);
    expect(findInvalidUtf8(new Uint8Array([0x61, 0xf0, 0x9f]), true)).toBe(1);
  });

  it("tail length counts an unfinished character", () => {
    expect(incompleteTailLength(new Uint8Array([0x61, 0xf0, 0x9f, 0x98]))).toBe(3);
    expect(incompleteTailLength(new Uint8Array([0x61, 0xc3]))).toBe(1);
    expect(incompleteTailLength(new Uint8Array([0xc3, 0xab]))).toBe(0);
    expect(incompleteTailLength(new Uint8Array([0xf0, 0x9f, 0x98, 0x80]))).toBe(0);
  });

  it("rejects NUL characters", async () => {
    const error = await apiErrorOf(inspect("a,b\n1,\u00002\n", csvOptions()));
    expect(error.code).toBe("invalid_encoding");
    expect(error.message).toContain("NUL character");
    expect(error.message).toContain("charset=utf-16le");
  });
});

describe("charset decoding", () => {
  it("decodes windows-1252 when named", async () => {
    for (const size of [0, 1, 7]) {
      const { records, report } = await parseAll(orders, csvOptions({ charset: "windows-1252" }), size);
      expect(report.charset).toBe("windows-1252");
      expect(report.delimiter).toBe(";");
      expect(report.columns).toEqual(["name", "city", "amount", "note"]);
      expect(records.map((record) => record.values.name)).toEqual(["Zoë Müller", "José Peña", "Ørjan Ås"]);
      expect(records[0].values.amount).toBe("€12,50");
      expect(records[1].values.amount).toBe("£7,00");
      expect(records[2].values.note).toBe("smörgåsbord – “special”");
      expect(hasReplacementCharacter(records.map((record) => record.values))).toBe(false);
    }
  });

  it("decodes shift_jis when named", async () => {
    for (const size of [0, 1]) {
      const { records, report } = await parseAll(staff, csvOptions({ charset: "shift_jis" }), size);
      expect(report.charset).toBe("shift_jis");
      expect(report.columns).toEqual(["氏名", "都市", "メモ"]);
      expect(records.map((record) => record.values["氏名"])).toEqual(["山田 太郎", "佐藤 花子"]);
      expect(records[0].values["メモ"]).toBe("配送が遅れています");
    }
  });

  it("rejects shift_jis bytes read as UTF-8", async () => {
    const error = await apiErrorOf(inspect(staff, csvOptions()));
    expect(error.code).toBe("invalid_encoding");
    expect(error.options.details).toEqual({ charset: "utf-8", offset: 0, byte: "0x8E" });
  });

  it("detects UTF-16LE from its BOM", async () => {
    for (const size of [0, 1, 3]) {
      const { records, report } = await parseAll(places, csvOptions(), size);
      expect(report.charset).toBe("utf-16le");
      expect(report.delimiter).toBe("\t");
      expect(report.columns).toEqual(["name", "city", "note"]);
      expect(records.map((record) => record.values)).toEqual([
        { name: "Zoë Müller", city: "Köln", note: "café crème" },
        { name: "田中 花子", city: "東京", note: "予約の変更" },
      ]);
    }
  });

  it("detects UTF-16BE from its BOM", async () => {
    const text = "id\tname\r\n1\tZoë\r\n";
    const bytes = new Uint8Array(2 + text.length * 2);
    bytes.set([0xfe, 0xff]);
    for (let index = 0; index < text.length; index += 1) {
      bytes[2 + index * 2] = text.charCodeAt(index) >> 8;
      bytes[3 + index * 2] = text.charCodeAt(index) & 0xff;
    }
    const { records, report } = await parseAll(bytes, csvOptions(), 1);
    expect(report.charset).toBe("utf-16be");
    expect(records[0].values).toEqual({ id: "1", name: "Zoë" });
  });

  it("rejects an unknown charset", async () => {
    const error = await apiErrorOf(inspect("a\n1\n", csvOptions({ charset: "klingon-8" })));
    expect(error.code).toBe("unsupported_charset");
    expect(error.message).toContain('"klingon-8"');
  });

  it("rejects invalid shift_jis bytes", async () => {
    const bytes = new Uint8Array([...staff.slice(0, 20), 0x81, 0x20, 0x0a]);
    const error = await apiErrorOf(inspect(bytes, csvOptions({ charset: "shift_jis" })));
    expect(error.code).toBe("invalid_encoding");
    expect(error.message).toContain("not valid shift_jis");
  });
});
