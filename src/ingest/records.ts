// The parse pipeline shared by upload validation and record reading: bytes, then text,
// then the format's parser, then records in file order.
import { MAX_FILE_ITEMS } from "../config/limits";
import { invalidRequest } from "../errors";
import { CsvParser } from "./csv";
import { decodeBytes } from "./decode";
import { JsonArrayParser } from "./json-array";
import { JsonLinesParser } from "./jsonl";
import { formatCount, ParseReport } from "./report";
import { TextLinesParser } from "./text";
import type { EmitRecord, FileRecord, ParseOptions, TextParser } from "./types";

function createParser(options: ParseOptions, report: ParseReport, emitRecord: EmitRecord): TextParser {
  switch (options.format) {
    case "csv":
      return new CsvParser(options.delimiter, report, emitRecord);
    case "json":
      return new JsonArrayParser(report, emitRecord);
    case "jsonl":
      return new JsonLinesParser(report, emitRecord);
    case "text":
      return new TextLinesParser(report, emitRecord);
  }
}

/**
 * Decodes the bytes and feeds the text to the format's parser, counting records in
 * `report`. It yields after each decoded chunk so that a caller can hand on the records
 * that chunk completed.
 */
async function* feedParser(bytes: AsyncIterable<Uint8Array>, options: ParseOptions, report: ParseReport, emitRecord: EmitRecord): AsyncGenerator<void> {
  const decoded = await decodeBytes(bytes, options.charset);
  report.charset = decoded.charset;
  const parser = createParser(options, report, (line, values) => {
    emitRecord(line, values);
    report.itemCount += 1;
  });
  for await (const text of decoded.text) {
    parser.push(text);
    yield;
  }
  parser.finish();
}

/**
 * Yields a file's records in order while `report` collects skipped and invalid rows.
 * Memory stays flat: at most one decoded chunk's records are held at a time.
 */
export async function* parseRecords(bytes: AsyncIterable<Uint8Array>, options: ParseOptions, report: ParseReport): AsyncGenerator<FileRecord> {
  let ready: FileRecord[] = [];
  const collect: EmitRecord = (line, values) => ready.push({ index: report.itemCount, line, values: values() });
  for await (const _ of feedParser(bytes, options, report, collect)) {
    if (ready.length === 0) continue;
    const batch = ready;
    ready = [];
    yield* batch;
  }
  yield* ready;
}

/** File metadata that validation finds, stored with the file. */
export interface FileSummary {
  item_count: number;
  columns: string[];
  delimiter: string | null;
  skipped_rows: number;
  skipped_lines: number[];
  charset: string;
}

/**
 * Reads a whole file and checks it: every row valid, at least one item and at most
 * MAX_FILE_ITEMS. Raises a 400 that names the invalid rows or the count and the limit.
 */
export async function inspectFile(bytes: AsyncIterable<Uint8Array>, options: ParseOptions): Promise<FileSummary> {
  const report = new ParseReport();
  for await (const _ of feedParser(bytes, options, report, () => undefined));
  report.assertValid();

  if (report.itemCount > MAX_FILE_ITEMS) {
    throw invalidRequest(
      "too_many_items",
      `The file has ${formatCount(report.itemCount)} items; the limit is ${formatCount(MAX_FILE_ITEMS)} items per file. Split it into smaller files.`,
      "file",
      { item_count: report.itemCount, limit: MAX_FILE_ITEMS },
    );
  }
  if (report.itemCount === 0) {
    const skipped = report.skippedRows > 0 ? ` (${formatCount(report.skippedRows)} blank rows were skipped)` : "";
    const what = options.format === "csv" && report.columns.length > 0 ? "a header but no data rows" : "no items";
    throw invalidRequest("empty_file", `The file has ${what}${skipped}. Upload a file with at least one item.`, "file");
  }

  return {
    item_count: report.itemCount,
    columns: report.columns,
    delimiter: options.format === "csv" ? report.delimiter : null,
    skipped_rows: report.skippedRows,
    skipped_lines: report.skippedLines,
    charset: report.charset,
  };
}
