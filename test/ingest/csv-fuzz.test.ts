// Generated CSV documents with quotes, delimiters, line breaks and multi-byte text in
// every position. They are parsed at random chunk sizes and checked against the cells
// that were written, and against papaparse's whole-string parse as a reference.
import Papa from "papaparse";
import { describe, expect, it } from "vitest";
import { csvOptions, parseAll } from "./helpers";

/** Returns a seeded PRNG (mulberry32), so that a failing document can be reproduced by its seed. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = ["a", "b", "0", "007", " ", ",", ";", '"', '""', "\r\n", "\n", "\r", "é", "東京", "😀", "👍🏽", "\t", "|", "x y"];

function writeCell(cell: string, delimiter: string): string {
  return cell.includes(delimiter) || /["\r\n]/.test(cell) || cell !== cell.trim() ? `"${cell.replaceAll('"', '""')}"` : cell;
}

function generateDocument(random: () => number, delimiter: string) {
  const columns = 1 + Math.floor(random() * 5);
  const header = Array.from({ length: columns }, (_, index) => `col${index}`);
  const rows: string[][] = [];
  const rowCount = 1 + Math.floor(random() * 30);
  for (let row = 0; row < rowCount; row += 1) {
    const cells = Array.from({ length: columns }, () => {
      const length = Math.floor(random() * 6);
      return Array.from({ length }, () => PIECES[Math.floor(random() * PIECES.length)]).join("");
    });
    // A leading id keeps every row non-blank, so no row is skipped.
    cells[0] = `r${row}${cells[0]}`;
    rows.push(cells);
  }
  const lineEnd = random() < 0.5 ? "\r\n" : "\n";
  const text = [header, ...rows].map((cells) => cells.map((cell) => writeCell(cell, delimiter)).join(delimiter)).join(lineEnd) + (random() < 0.7 ? lineEnd : "");
  return { header, rows, text };
}

describe("CSV parser on generated documents", () => {
  it("matches the written cells at any chunk size", async () => {
    const random = randomSource(20261204);
    for (let seed = 0; seed < 150; seed += 1) {
      const delimiter = [",", ";", "\t", "|"][seed % 4];
      const { header, rows, text } = generateDocument(random, delimiter);
      const chunkSize = 1 + Math.floor(random() * 40);
      const { records, report } = await parseAll(text, csvOptions({ delimiter }), chunkSize);

      expect(report.columns, `document ${seed}`).toEqual(header);
      expect(report.skippedRows, `document ${seed}`).toBe(0);
      const expected = rows.map((cells) => Object.fromEntries(header.map((name, index) => [name, cells[index]])));
      expect(records.map((record) => record.values), `document ${seed}`).toEqual(expected);
    }
  });

  it("agrees with papaparse on whole strings", async () => {
    const random = randomSource(7);
    for (let seed = 0; seed < 100; seed += 1) {
      const { text } = generateDocument(random, ",");
      const reference = Papa.parse<string[]>(text, { delimiter: ",", skipEmptyLines: false });
      const referenceRows = reference.data.filter((row) => !(row.length === 1 && row[0] === ""));
      const { records, report } = await parseAll(text, csvOptions({ delimiter: "," }), 3);
      const ours = [report.columns, ...records.map((record) => report.columns.map((name) => record.values[name] as string))];
      expect(ours, `document ${seed}`).toEqual(referenceRows);
    }
  });
});
