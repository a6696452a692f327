import { describe, expect, it } from "vitest";
import { parseJson } from "../../src/ingest/json-value";
import prettyArray from "../fixtures/files/pretty-array.jsonl?raw";
import reviews from "../fixtures/files/reviews.txt?raw";
import badLines from "../fixtures/files/tickets-bad-lines.jsonl?raw";
import ticketsOk from "../fixtures/files/tickets-crlf-blank-lines.jsonl?raw";
import { apiErrorOf, inspect, parseAll } from "./helpers";

const jsonl = { format: "jsonl", delimiter: null, charset: null } as const;
const json = { format: "json", delimiter: null, charset: null } as const;
const text = { format: "text", delimiter: null, charset: null } as const;

describe("JSONL parser", () => {
  it("tolerates a BOM, CRLF and blank lines", async () => {
    for (const size of [0, 1, 2, 5]) {
      const { records, report } = await parseAll(ticketsOk, jsonl, size);
      expect(records.map((record) => record.values.id)).toEqual(["t1", "t2", "t3", "t4"]);
      expect(records.map((record) => record.line)).toEqual([1, 3, 5, 7]);
      expect(records[2].values.text).toBe("Line one\nline two");
      expect(records[3].values.text).toBe("Thanks!");
      expect(report.skippedLines).toEqual([2, 4, 6, 8, 9]);
    }
  });

  it("lists invalid and non-object lines", async () => {
    const error = await apiErrorOf(inspect(badLines, jsonl));
    expect(error.status).toBe(400);
    expect(error.code).toBe("invalid_records");
    const details = error.options.details as { invalid_count: number; invalid_lines: { line: number; reason: string }[] };
    expect(details.invalid_count).toBe(3);
    expect(details.invalid_lines.map((problem) => problem.line)).toEqual([3, 5, 6]);
    expect(details.invalid_lines[0].reason).toMatch(/^invalid JSON/);
    expect(details.invalid_lines[1].reason).toBe("is a string, not a JSON object");
    expect(details.invalid_lines[2].reason).toBe("is an array, not a JSON object");
  });

  it("rejects a JSON array saved as JSONL", async () => {
    const error = await apiErrorOf(inspect(prettyArray, jsonl));
    expect(error.code).toBe("json_array_in_jsonl");
    expect(error.options.param).toBe("format");
    expect(error.message).toContain("format=json");
  });

  it("rejects a one-line array saved as JSONL", async () => {
    const error = await apiErrorOf(inspect('[{"id":1},{"id":2}]\n', jsonl));
    expect(error.code).toBe("json_array_in_jsonl");
  });

  it("keeps integers beyond 2^53 exact", async () => {
    const input = '{"id":12345678901234567890,"n":9007199254740993,"safe":42,"neg":-9007199254740993,"f":1.5e300,"s":"12345678901234567890"}\n';
    const { records } = await parseAll(input, jsonl);
    expect(records[0].values).toEqual({ id: "12345678901234567890", n: "9007199254740993", safe: 42, neg: "-9007199254740993", f: 1.5e300, s: "12345678901234567890" });
  });

  it("reads a last line without a newline", async () => {
    const { records } = await parseAll('{"a":1}\r\n{"a":2}', jsonl);
    expect(records.map((record) => record.values.a)).toEqual([1, 2]);
  });
});

describe("JSON array parser", () => {
  it("reads objects and strings", async () => {
    const input = '[\n  {"id": "p1", "text": "a, b"},\n  "plain [text] {x}",\n  {"id": 12345678901234567890, "nested": {"list": [1, "]", "\\"q\\""]}}\n]\n';
    for (const size of [0, 1, 3, 7]) {
      const { records } = await parseAll(input, json, size);
      expect(records.map((record) => record.values)).toEqual([
        { id: "p1", text: "a, b" },
        { text: "plain [text] {x}" },
        { id: "12345678901234567890", nested: { list: [1, "]", '"q"'] } },
      ]);
      expect(records.map((record) => record.line)).toEqual([2, 3, 4]);
    }
  });

  it("lists elements that are not objects or strings", async () => {
    const error = await apiErrorOf(inspect('[{"a":1}, 5, null, [1], {"a":2}]', json));
    expect(error.code).toBe("invalid_records");
    const details = error.options.details as { invalid_lines: { reason: string }[] };
    expect(details.invalid_lines.map((problem) => problem.reason)).toEqual([
      "element 2 is a number; expected an object or a string",
      "element 3 is null; expected an object or a string",
      "element 4 is an array; expected an object or a string",
    ]);
  });

  it("lists invalid elements with their lines", async () => {
    const error = await apiErrorOf(inspect('[\n{"a":1},\n{"a":,},\n{"a":3}\n]', json));
    const details = error.options.details as { invalid_lines: { line: number; reason: string }[] };
    expect(details.invalid_lines).toHaveLength(1);
    expect(details.invalid_lines[0].line).toBe(3);
    expect(details.invalid_lines[0].reason).toMatch(/^element 2 is invalid JSON/);
  });

  it("rejects a single object", async () => {
    const error = await apiErrorOf(inspect('{"id": 1}', json));
    expect(error.code).toBe("invalid_json");
    expect(error.message).toContain("a single object");
    expect(error.message).toContain("format=jsonl");
  });

  it("rejects an unclosed array", async () => {
    const error = await apiErrorOf(inspect('[{"a":1},\n{"a":2', json));
    expect(error.code).toBe("invalid_json");
    expect(error.message).toContain("line 2");
  });

  it("rejects text after the array", async () => {
    const error = await apiErrorOf(inspect('[{"a":1}]\n[{"a":2}]', json));
    expect(error.code).toBe("invalid_json");
    expect(error.message).toContain("JSON line 2");
  });

  it("rejects a trailing comma", async () => {
    const error = await apiErrorOf(inspect('[{"a":1},]', json));
    const details = error.options.details as { invalid_lines: { reason: string }[] };
    expect(details.invalid_lines[0].reason).toContain("comma before the closing ]");
  });

  it("rejects an empty array", async () => {
    const error = await apiErrorOf(inspect("[]", json));
    expect(error.code).toBe("empty_file");
  });
});

describe("text parser", () => {
  it("makes one item per non-empty line", async () => {
    for (const size of [0, 1, 2]) {
      const { records, report } = await parseAll(reviews, text, size);
      expect(records.map((record) => record.values)).toEqual([
        { text: "First review: works great" },
        { text: "Second review: arrived broken" },
        { text: 'Third review: "meh", 3/5' },
      ]);
      expect(records.map((record) => record.line)).toEqual([1, 2, 4]);
      expect(report.skippedLines).toEqual([3, 5]);
    }
  });

  it("rejects a line longer than an item allows", async () => {
    const error = await apiErrorOf(inspect(`short\n${"x".repeat(200_001)}\n`, text));
    expect(error.code).toBe("invalid_records");
    expect(error.message).toContain("line 2");
  });

  it("rejects a line past the record limit", async () => {
    const error = await apiErrorOf(inspect(`short\n${"x".repeat(1_000_001)}`, text, 65536));
    expect(error.code).toBe("record_too_large");
    expect(error.message).toContain("Line 2");
  });
});

describe("parseJson", () => {
  it("keeps fractions and exponents as numbers", () => {
    expect(parseJson('{"a":12345678901234567.5,"b":1e21,"c":9007199254740991}')).toEqual({ a: 12345678901234567.5, b: 1e21, c: 9007199254740991 });
  });

  it("keeps big integers in arrays", () => {
    expect(parseJson("[9007199254740993, 1]")).toEqual(["9007199254740993", 1]);
  });
});
