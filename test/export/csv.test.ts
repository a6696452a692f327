import Papa from "papaparse";
import { describe, expect, it } from "vitest";
import { cellText, csvRow, neutraliseFormula, quoteCell, restoreFormula } from "../../src/export/csv";

describe("neutraliseFormula", () => {
  it("prefixes formula starts", () => {
    for (const text of ["=SUM(1)", "+1", "-1", "@A1", "\t=x", "\r=2+3", "=1+1\nsecond line"]) {
      expect(neutraliseFormula(text)).toBe(`'${text}`);
    }
  });

  it("leaves other text alone", () => {
    for (const text of ["Normal text with = inside", "", "a=b", " =x", "'plain"]) {
      expect(neutraliseFormula(text)).toBe(text);
    }
  });

  it("escapes apostrophes before a formula", () => {
    expect(neutraliseFormula("'=x")).toBe("''=x");
    expect(restoreFormula("''=x")).toBe("'=x");
    expect(restoreFormula("'=x")).toBe("=x");
    expect(restoreFormula("'plain")).toBe("'plain");
  });
});

describe("cellText", () => {
  it("writes JSON numbers without a prefix", () => {
    expect(cellText(-3)).toBe("-3");
    expect(cellText(-0.5)).toBe("-0.5");
    expect(cellText("-12.5")).toBe("'-12.5");
  });

  it("writes null empty and nested values as JSON", () => {
    expect(cellText(null)).toBe("");
    expect(cellText(["a", "b"])).toBe('["a","b"]');
    expect(cellText({ k: "=x" })).toBe('{"k":"=x"}');
    expect(cellText(true)).toBe("true");
  });
});

describe("csvRow", () => {
  it("quotes per RFC 4180", () => {
    expect(quoteCell("plain")).toBe("plain");
    expect(quoteCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvRow(["a,b", "line\r\nbreak", 1, null])).toBe('"a,b","line\r\nbreak",1,\r\n');
    expect(csvRow(["=SUM(4, 12)"])).toBe(`"'=SUM(4, 12)"\r\n`);
  });

  it("round-trips through a CSV parser", () => {
    const values = ['quote " inside', "comma, inside", "multi\nline", "crlf\r\nline", "=formula", "'=quoted formula", "-12.5", "", "plain", "\tTAB", "ünïcödé 配送"];
    const text = values.map((value, i) => csvRow([i, value])).join("");
    const parsed = Papa.parse<string[]>(text, { newline: "\r\n" });
    expect(parsed.errors).toEqual([]);
    const rows = parsed.data.filter((row) => row.length === 2);
    expect(rows).toHaveLength(values.length);
    rows.forEach((row, i) => {
      expect(row[0]).toBe(String(i));
      expect(restoreFormula(row[1])).toBe(values[i]);
    });
  });
});
