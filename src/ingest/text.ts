// Plain text: one record { text } per line that is not blank, taken as written.
import { MAX_ITEM_TEXT_CHARS } from "../config/limits";
import { LineSplitter } from "./lines";
import { formatCount, type ParseReport } from "./report";
import type { EmitRecord, TextParser } from "./types";

export class TextLinesParser implements TextParser {
  private readonly lines: LineSplitter;

  constructor(report: ParseReport, emitRecord: EmitRecord) {
    this.lines = new LineSplitter((text, line) => {
      if (text.trim() === "") report.skip(line);
      else if (text.length > MAX_ITEM_TEXT_CHARS) report.reject(line, `is longer than ${formatCount(MAX_ITEM_TEXT_CHARS)} characters, the limit for one item's text`);
      else emitRecord(line, () => ({ text }));
    });
  }

  push(text: string): void {
    this.lines.push(text);
  }

  finish(): void {
    this.lines.finish();
  }
}
