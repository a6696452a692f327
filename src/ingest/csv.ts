// CSV records: delimiter detection, header checks and one record per data row, with
// every value kept as the exact string in the file.
import { MAX_CSV_COLUMNS } from "../config/limits";
import { invalidRequest } from "../errors";
import { detectDelimiter, SampleCutter } from "./csv-delimiter";
import { CsvTokenizer } from "./csv-tokenizer";
import { formatCount, quoteValue, type ParseReport } from "./report";
import type { EmitRecord, TextParser } from "./types";

function isBlank(fields: string[]): boolean {
  return fields.every((field) => field.trim() === "");
}

/**
 * Checks a header row and returns its column names. Trailing columns without a name (from
 * a delimiter at the end of every line) are left out; their values must then be empty. Any
 * other empty name, a repeated name or too many columns raise a 400 that names them.
 */
export function checkHeader(fields: string[], line: number): string[] {
  let named = fields.length;
  while (named > 0 && fields[named - 1].trim() === "") named -= 1;
  const columns = fields.slice(0, named);

  if (columns.length > MAX_CSV_COLUMNS) {
    throw invalidRequest(
      "too_many_columns",
      `The CSV header (line ${line}) has ${formatCount(columns.length)} columns; the limit is ${formatCount(MAX_CSV_COLUMNS)}.`,
      "file",
    );
  }

  const empty = columns.flatMap((name, index) => (name.trim() === "" ? [index + 1] : []));
  if (empty.length > 0) {
    throw invalidRequest(
      "empty_column_name",
      `The CSV header (line ${line}) has no name for column ${empty.join(", ")}. Give every column a name.`,
      "file",
      { line, columns: empty },
    );
  }

  const positions = new Map<string, number[]>();
  columns.forEach((name, index) => positions.set(name, [...(positions.get(name) ?? []), index + 1]));
  const duplicates = [...positions].filter(([, at]) => at.length > 1).map(([name, at]) => ({ name, columns: at }));
  if (duplicates.length > 0) {
    const listed = duplicates.map((duplicate) => `${quoteValue(duplicate.name)} at columns ${duplicate.columns.join(", ")}`).join("; ");
    throw invalidRequest(
      "duplicate_column_names",
      `The CSV header (line ${line}) repeats column names: ${listed}. Rename the columns so that each name is unique.`,
      "file",
      { line, duplicates },
    );
  }
  return columns;
}

/**
 * Parses CSV text into records keyed by the header's column names. Until the delimiter is
 * known it buffers a sample of the first lines (see SampleCutter). Rows whose fields are
 * all empty or whitespace are skipped and reported. Rows with too few fields, or with a
 * value in a column that has no name, are reported as invalid.
 */
export class CsvParser implements TextParser {
  private tokenizer: CsvTokenizer | null = null;
  private readonly cutter = new SampleCutter();
  private pending = "";
  private columns: string[] | null = null;

  constructor(
    private delimiter: string | null,
    private readonly report: ParseReport,
    private readonly emitRecord: EmitRecord,
  ) {}

  push(text: string): void {
    if (this.tokenizer) {
      this.tokenizer.push(text);
      return;
    }
    this.pending += text;
    if (this.delimiter !== null || this.cutter.cut(this.pending, false) !== -1) this.start(false);
  }

  finish(): void {
    if (!this.tokenizer) this.start(true);
    this.tokenizer!.finish();
  }

  private start(finished: boolean): void {
    if (this.delimiter === null) {
      const length = this.cutter.cut(this.pending, finished);
      this.delimiter = detectDelimiter(this.pending.slice(0, length), finished && length === this.pending.length);
    }
    this.report.delimiter = this.delimiter;
    this.tokenizer = new CsvTokenizer(this.delimiter, (fields, line) => this.acceptRow(fields, line));
    const buffered = this.pending;
    this.pending = "";
    this.tokenizer.push(buffered);
  }

  private acceptRow(fields: string[], line: number): void {
    if (isBlank(fields)) {
      this.report.skip(line);
      return;
    }
    if (this.columns === null) {
      this.columns = checkHeader(fields, line);
      this.report.columns = this.columns;
      return;
    }

    const columns = this.columns;
    if (fields.length < columns.length) {
      this.report.reject(line, `has ${fields.length} ${fields.length === 1 ? "field" : "fields"} but the header has ${columns.length} ${columns.length === 1 ? "column" : "columns"}`);
      return;
    }
    for (let index = columns.length; index < fields.length; index += 1) {
      if (fields[index].trim() !== "") {
        this.report.reject(
          line,
          `has ${fields.length} fields but the header has ${columns.length} ${columns.length === 1 ? "column" : "columns"} (value ${quoteValue(fields[index])} in column ${index + 1})`,
        );
        return;
      }
    }

    this.emitRecord(line, () => Object.fromEntries(columns.map((name, index) => [name, fields[index]])));
  }
}
