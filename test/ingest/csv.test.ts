import { describe, expect, it } from "vitest";
import contactsBom from "../fixtures/files/contacts-bom.csv?raw";
import contactsBomQuoted from "../fixtures/files/contacts-bom-quoted-header.csv?raw";
import delimiterOnlyRows from "../fixtures/files/contacts-delimiter-only-rows.csv?raw";
import emptyValues from "../fixtures/files/empty-values.csv?raw";
import repeatedC from "../fixtures/files/header-repeated-c.csv?raw";
import repeatedId from "../fixtures/files/header-repeated-id.csv?raw";
import storeCodes from "../fixtures/files/store-codes.csv?raw";
import ticketsBlankRows from "../fixtures/files/tickets-blank-rows.csv?raw";
import trailingDelimiter from "../fixtures/files/trailing-delimiter.csv?raw";
import { apiErrorOf, csvOptions, inspect, parseAll } from "./helpers";

const CHUNK_SIZES = [0, 1, 2, 3, 7, 64];

describe("CSV parser", () => {
  it("removes the BOM from an unquoted header", async () => {
    for (const size of CHUNK_SIZES) {
      const { records, report } = await parseAll(contactsBom, csvOptions(), size);
      expect(report.columns).toEqual(["name", "phone", "comment"]);
      expect(records).toHaveLength(3);
      expect(records[0].values).toEqual({ name: "Ada Quill", phone: "0612345678", comment: "Invoice was charged twice, please refund" });
      expect(records[2].values.comment).toBe("Love the new dark mode");
    }
  });

  it("removes the BOM from a quoted header", async () => {
    for (const size of CHUNK_SIZES) {
      const { records, report } = await parseAll(contactsBomQuoted, csvOptions(), size);
      expect(report.columns).toEqual(["name", "phone", "comment"]);
      expect(records).toHaveLength(2);
      expect(records[1].values).toEqual({ name: "Bo Lindqvist", phone: "0687654321", comment: "App crashes when I open settings" });
    }
  });

  it("keeps values as exact strings", async () => {
    const { records } = await parseAll(storeCodes, csvOptions());
    expect(records).toHaveLength(3);
    const [first, second, third] = records.map((record) => record.values);
    expect(first.from).toBe("0700");
    expect(first.zip).toBe("02134");
    expect(first.order_no).toBe("00283762");
    expect(first.sku).toBe("0077");
    expect(first.big_id).toBe("12345678901234567890");
    expect(first.sci_like).toBe("1E5");
    expect(first.flag).toBe("TRUE");
    expect(second.order_no).toBe("00283762-3");
    expect(second.big_id).toBe("9007199254740993");
    expect(second.phone).toBe("0033123456789");
    expect(third.sku).toBe("1.10");
    expect(third.big_id).toBe("0012");
    expect(third.sci_like).toBe("1e-3");
    expect(third.flag).toBe("NULL");
    expect(third.phone).toBe("+4915112345678");
  });

  it("rejects repeated header names", async () => {
    const error = await apiErrorOf(inspect(repeatedC, csvOptions()));
    expect(error.status).toBe(400);
    expect(error.code).toBe("duplicate_column_names");
    expect(error.message).toContain('"c" at columns 1, 2, 3');
    expect(error.options.details).toEqual({ line: 1, duplicates: [{ name: "c", columns: [1, 2, 3] }] });
  });

  it("rejects a repeated id column", async () => {
    const error = await apiErrorOf(inspect(repeatedId, csvOptions()));
    expect(error.code).toBe("duplicate_column_names");
    expect(error.message).toContain('"id" at columns 1, 3');
  });

  it("rejects an empty header name", async () => {
    const error = await apiErrorOf(inspect("a,,c\n1,2,3\n", csvOptions()));
    expect(error.code).toBe("empty_column_name");
    expect(error.message).toContain("column 2");
  });

  it("keeps empty values as empty strings", async () => {
    for (const size of [0, 1, 5]) {
      const { records } = await parseAll(emptyValues, csvOptions(), size);
      expect(records.map((record) => record.values)).toEqual([
        { A: "a", B: "b", C: "c", D: "d", E: "e", F: "f" },
        { A: "a", B: "b", C: "", D: "", E: "e", F: "f" },
        { A: "a", B: "", C: "", D: "", E: "", F: "f" },
      ]);
    }
  });

  it("drops an unnamed all-empty trailing column", async () => {
    const { records, report } = await parseAll(trailingDelimiter, csvOptions());
    expect(report.columns).toEqual(["a", "b", "c"]);
    expect(records.map((record) => record.values)).toEqual([
      { a: "a1", b: "b1", c: "c1" },
      { a: "a2", b: "b2", c: "c2" },
    ]);
  });

  it("rejects a value under an unnamed column", async () => {
    const error = await apiErrorOf(inspect("a,b,\n1,2,\n3,4,oops\n", csvOptions()));
    expect(error.code).toBe("invalid_records");
    expect(error.message).toContain("line 3");
    expect(error.message).toContain('"oops" in column 3');
  });

  it("skips blank and delimiter-only rows", async () => {
    const summary = await inspect(ticketsBlankRows, csvOptions());
    expect(summary.item_count).toBe(3);
    expect(summary.skipped_rows).toBe(5);
    expect(summary.skipped_lines).toEqual([4, 6, 7, 8, 9]);

    const { records } = await parseAll(ticketsBlankRows, csvOptions());
    expect(records.map((record) => record.values.id)).toEqual(["1", "2", "3"]);
    expect(records.map((record) => record.line)).toEqual([2, 3, 5]);
    expect(records[2].values.text).toBe("Great service, thanks");
  });

  it("skips rows made only of delimiters", async () => {
    const summary = await inspect(delimiterOnlyRows, csvOptions());
    expect(summary.item_count).toBe(2);
    expect(summary.skipped_lines).toEqual([3, 5, 6, 7]);
  });

  it("gives the same result without a trailing newline", async () => {
    const withNewline = await parseAll("id,text\r\n1,a\r\n2,b\r\n", csvOptions());
    const without = await parseAll("id,text\r\n1,a\r\n2,b", csvOptions());
    expect(without.records).toEqual(withNewline.records);
    expect(without.report.skippedRows).toBe(0);
  });

  it("reads LF, CRLF, CR and mixed line endings", async () => {
    const expected = [
      { id: "1", text: "a" },
      { id: "2", text: "b" },
      { id: "3", text: "c" },
    ];
    for (const text of ["id,text\n1,a\n2,b\n3,c\n", "id,text\r\n1,a\r\n2,b\r\n3,c\r\n", "id,text\r1,a\r2,b\r3,c\r", "id,text\r\n1,a\n2,b\r3,c"]) {
      for (const size of [0, 1, 2]) {
        const { records } = await parseAll(text, csvOptions(), size);
        expect(records.map((record) => record.values)).toEqual(expected);
        expect(records.map((record) => record.line)).toEqual([2, 3, 4]);
      }
    }
  });

  it("keeps line breaks inside quoted fields", async () => {
    const text = 'id,note\r\n1,"first\r\nsecond"\r\n2,"a ""quoted"" word, and a comma"\r\n3,"x\ny"\r\n';
    for (const size of [0, 1, 2, 3]) {
      const { records } = await parseAll(text, csvOptions(), size);
      expect(records.map((record) => record.values.note)).toEqual(["first\r\nsecond", 'a "quoted" word, and a comma', "x\ny"]);
      expect(records.map((record) => record.line)).toEqual([2, 4, 5]);
    }
  });

  it("rejects an unterminated quote naming its line", async () => {
    const error = await apiErrorOf(inspect('id,note\n1,ok\n2,"never closed\n3,more\n', csvOptions()));
    expect(error.status).toBe(400);
    expect(error.code).toBe("invalid_csv");
    expect(error.message).toContain("CSV line 3");
    expect(error.options.details).toEqual({ line: 3 });
  });

  it("rejects text after a closing quote", async () => {
    const error = await apiErrorOf(inspect('id,note\n1,"ab"c\n', csvOptions()));
    expect(error.code).toBe("invalid_csv");
    expect(error.message).toContain("CSV line 2");
  });

  it("lists rows with too few fields", async () => {
    const error = await apiErrorOf(inspect("a,b,c\n1,2,3\n4,5\n6,7,8\n9\n", csvOptions()));
    expect(error.code).toBe("invalid_records");
    expect(error.options.details).toEqual({
      invalid_count: 2,
      invalid_lines: [
        { line: 3, reason: "has 2 fields but the header has 3 columns" },
        { line: 5, reason: "has 1 field but the header has 3 columns" },
      ],
    });
  });

  it("caps the listed invalid rows", async () => {
    const rows = Array.from({ length: 30 }, (_, index) => `${index}`).join("\n");
    const error = await apiErrorOf(inspect(`a,b\n${rows}\n`, csvOptions()));
    const details = error.options.details as { invalid_count: number; invalid_lines: unknown[] };
    expect(details.invalid_count).toBe(30);
    expect(details.invalid_lines).toHaveLength(20);
    expect(error.message).toContain("and 10 more");
  });

  it("rejects a header without data rows", async () => {
    const error = await apiErrorOf(inspect("a,b\n\n", csvOptions()));
    expect(error.code).toBe("empty_file");
    expect(error.message).toContain("a header but no data rows");
  });

  it("reads a one-column file", async () => {
    const { records, report } = await parseAll("text\nhello\nworld\n", csvOptions());
    expect(report.delimiter).toBe(",");
    expect(records.map((record) => record.values)).toEqual([{ text: "hello" }, { text: "world" }]);
  });

  it("keeps a __proto__ column as an own property", async () => {
    const { records } = await parseAll("__proto__,b\n1,2\n", csvOptions());
    expect(Object.keys(records[0].values)).toEqual(["__proto__", "b"]);
    expect(Object.getPrototypeOf(records[0].values)).toBe(Object.prototype);
  });
});

describe("CSV delimiter detection", () => {
  it("detects semicolon, tab and pipe", async () => {
    for (const delimiter of [";", "\t", "|"]) {
      const text = ["name", "city", "amount"].join(delimiter) + "\n" + ["Zoë", "Köln", "12,50"].join(delimiter) + "\n";
      const { records, report } = await parseAll(text, csvOptions());
      expect(report.delimiter).toBe(delimiter);
      expect(records[0].values).toEqual({ name: "Zoë", city: "Köln", amount: "12,50" });
    }
  });

  it("ignores delimiters inside quotes", async () => {
    const { report } = await parseAll('a;b\n"x,y,z";2\n"p,q";3\n', csvOptions());
    expect(report.delimiter).toBe(";");
  });

  it("asks for the delimiter when ambiguous", async () => {
    const error = await apiErrorOf(inspect("a;b,c\n1;2,3\n", csvOptions()));
    expect(error.status).toBe(400);
    expect(error.code).toBe("ambiguous_delimiter");
    expect(error.options.param).toBe("delimiter");
    expect(error.message).toContain("comma gives 2 columns");
    expect(error.message).toContain("semicolon gives 2 columns");
  });

  it("uses the delimiter override", async () => {
    const { records, report } = await parseAll("a;b,c\n1;2,3\n", csvOptions({ delimiter: ";" }));
    expect(report.delimiter).toBe(";");
    expect(records[0].values).toEqual({ a: "1", "b,c": "2,3" });
  });

  it("prefers the candidate with consistent rows", async () => {
    const text = "id,text\n1,semi;colon\n2,plain\n3,two;semi;colons\n";
    const { report, records } = await parseAll(text, csvOptions());
    expect(report.delimiter).toBe(",");
    expect(records).toHaveLength(3);
  });

  it("detects the same delimiter at any chunk size", async () => {
    const lines = ["a|b|c", ...Array.from({ length: 120 }, (_, index) => `${index}|x,y|z;w`)];
    const text = lines.join("\r\n") + "\r\n";
    for (const size of [0, 1, 13, 4096]) {
      const { report, records } = await parseAll(text, csvOptions(), size);
      expect(report.delimiter).toBe("|");
      expect(records).toHaveLength(120);
    }
  });
});
