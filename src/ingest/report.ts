// The parse report: skipped rows, invalid rows, columns and charset found besides the records.
import { MAX_REPORTED_LINES } from "../config/limits";
import { invalidRequest } from "../errors";

export interface LineProblem {
  line: number;
  reason: string;
}

/** Writes a count with thousands separators, as error messages show limits and counts. */
export function formatCount(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Quotes a value for an error message, cut to a readable length. */
export function quoteValue(value: string, maxChars = 40): string {
  const cut = value.length > maxChars ? `${value.slice(0, maxChars)}...` : value;
  return JSON.stringify(cut);
}

/**
 * Collects the outcome of one parse. In strict mode (reading a file that already passed
 * validation) the first invalid row raises at once; otherwise invalid rows are counted, the
 * first MAX_REPORTED_LINES are kept, and `assertValid` raises one error that lists them.
 */
export class ParseReport {
  itemCount = 0;
  skippedRows = 0;
  readonly skippedLines: number[] = [];
  invalidCount = 0;
  readonly invalidLines: LineProblem[] = [];
  columns: string[] = [];
  delimiter: string | null = null;
  charset = "utf-8";

  constructor(readonly strict = false) {}

  skip(line: number): void {
    this.skippedRows += 1;
    if (this.skippedLines.length < MAX_REPORTED_LINES) this.skippedLines.push(line);
  }

  reject(line: number, reason: string): void {
    if (this.strict) throw invalidRequest("invalid_records", `Line ${line} of the file is invalid: ${reason}.`);
    this.invalidCount += 1;
    if (this.invalidLines.length < MAX_REPORTED_LINES) this.invalidLines.push({ line, reason });
  }

  /** Raises one 400 that lists the invalid rows found, if any. */
  assertValid(): void {
    if (this.invalidCount === 0) return;
    const listed = this.invalidLines.map((problem) => `line ${problem.line}: ${problem.reason}`).join("; ");
    const more = this.invalidCount > this.invalidLines.length ? `; and ${formatCount(this.invalidCount - this.invalidLines.length)} more` : "";
    throw invalidRequest(
      "invalid_records",
      `The file has ${formatCount(this.invalidCount)} invalid ${this.invalidCount === 1 ? "row" : "rows"}: ${listed}${more}. Fix them and upload the file again.`,
      "file",
      { invalid_count: this.invalidCount, invalid_lines: this.invalidLines },
    );
  }
}
