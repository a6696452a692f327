// A streaming line splitter for JSONL and plain text: LF, CRLF and lone CR all end a line,
// including a CRLF split across two chunks.
import { MAX_RECORD_CHARS } from "../config/limits";
import { invalidRequest } from "../errors";
import { formatCount } from "./report";

const CR = 13;
const LF = 10;

/** Receives one line without its line break, and its 1-based number. */
export type EmitLine = (text: string, line: number) => void;

export class LineSplitter {
  private partial = "";
  private line = 1;
  private skipLineFeed = false;

  constructor(private readonly emitLine: EmitLine) {}

  push(text: string): void {
    let start = 0;
    for (let at = 0; at < text.length; at += 1) {
      const code = text.charCodeAt(at);
      if (code !== LF && code !== CR) {
        this.skipLineFeed = false;
        continue;
      }
      if (code === LF && this.skipLineFeed) {
        this.skipLineFeed = false;
        start = at + 1;
        continue;
      }
      this.skipLineFeed = code === CR;
      this.end(this.partial + text.slice(start, at));
      start = at + 1;
    }
    this.partial += text.slice(start);
    if (this.partial.length > MAX_RECORD_CHARS) {
      throw invalidRequest(
        "record_too_large",
        `Line ${this.line} is longer than ${formatCount(MAX_RECORD_CHARS)} characters.`,
        "file",
        { line: this.line, limit_chars: MAX_RECORD_CHARS },
      );
    }
  }

  /** Emits the last line when the text does not end with a line break. */
  finish(): void {
    if (this.partial !== "") this.end(this.partial);
  }

  private end(text: string): void {
    this.partial = "";
    this.emitLine(text, this.line);
    this.line += 1;
  }
}
