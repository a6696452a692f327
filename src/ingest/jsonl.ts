// JSON Lines: one JSON object per line; blank lines are skipped.
import { invalidRequest } from "../errors";
import { isJsonObject, jsonKind, parseJson } from "./json-value";
import { LineSplitter } from "./lines";
import type { ParseReport } from "./report";
import type { EmitRecord, TextParser } from "./types";

export class JsonLinesParser implements TextParser {
  private readonly lines: LineSplitter;
  private firstLineIsArray: boolean | null = null;
  private records = 0;

  constructor(
    private readonly report: ParseReport,
    private readonly emitRecord: EmitRecord,
  ) {
    this.lines = new LineSplitter((text, line) => this.acceptLine(text, line));
  }

  push(text: string): void {
    this.lines.push(text);
  }

  finish(): void {
    this.lines.finish();
    if (this.firstLineIsArray && this.records === 0) throw this.arrayFileError();
  }

  private acceptLine(text: string, line: number): void {
    const trimmed = text.trim();
    if (trimmed === "") {
      this.report.skip(line);
      return;
    }

    const first = this.firstLineIsArray === null;
    if (first) this.firstLineIsArray = trimmed.startsWith("[");

    let value: unknown;
    try {
      value = parseJson(trimmed);
    } catch (error) {
      // A pretty-printed JSON array starts with a line that is not valid JSON on its own.
      if (first && this.firstLineIsArray) throw this.arrayFileError();
      this.report.reject(line, `invalid JSON (${(error as Error).message})`);
      return;
    }
    if (!isJsonObject(value)) {
      this.report.reject(line, `is ${jsonKind(value)}, not a JSON object`);
      return;
    }
    this.records += 1;
    this.emitRecord(line, () => value);
  }

  private arrayFileError() {
    return invalidRequest(
      "json_array_in_jsonl",
      "The file looks like a JSON array, not JSON Lines (one object per line). Upload it with format=json, or write one object per line.",
      "format",
    );
  }
}
