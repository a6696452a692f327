// A streaming RFC 4180 tokenizer: text chunks in, rows of exact string fields out. It
// keeps its state between chunks, so a CRLF or a quoted field split across two chunks
// gives the same rows as one whole string.
import { MAX_RECORD_CHARS } from "../config/limits";
import { invalidRequest } from "../errors";
import { LineCounter } from "./line-counter";
import { formatCount } from "./report";

const CR = 13;
const LF = 10;
const QUOTE = 34;
const SPACE = 32;
const TAB = 9;

const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  /** A quote seen inside a quoted field: either the first of "" or the closing quote. */
  QuoteInQuoted,
  /** Spaces or tabs after a closing quote, which are ignored. */
  AfterQuoted,
}

/** Receives one row's fields and the 1-based line where the row starts. */
export type EmitRow = (fields: string[], line: number) => void;

/**
 * Splits CSV text into rows. Records end at CRLF, LF or a lone CR outside quotes; quoted
 * fields keep their line breaks as written. A quote inside an unquoted field is kept as a
 * literal character. Line numbers count physical lines, so a row after a quoted line break
 * reports the line it starts on.
 */
export class CsvTokenizer {
  private readonly delimiter: number;
  private state = State.FieldStart;
  private field = "";
  private row: string[] = [];
  private rowHasContent = false;
  private skipLineFeed = false;
  private readonly lines = new LineCounter();
  private rowLine = 1;
  private quoteLine = 1;
  private recordChars = 0;

  constructor(
    delimiter: string,
    private readonly emitRow: EmitRow,
  ) {
    this.delimiter = delimiter.charCodeAt(0);
  }

  push(text: string): void {
    const delimiter = this.delimiter;
    const length = text.length;
    let fieldStart = 0;
    let recordStart = 0;

    for (let at = 0; at < length; at += 1) {
      const code = text.charCodeAt(at);
      this.lines.advance(code);

      if (this.skipLineFeed) {
        this.skipLineFeed = false;
        if (code === LF) {
          recordStart = at + 1;
          continue;
        }
      }

      switch (this.state) {
        case State.FieldStart:
          this.rowHasContent = true;
          if (code === QUOTE) {
            this.state = State.Quoted;
            this.quoteLine = this.lines.line;
            fieldStart = at + 1;
          } else if (code === delimiter) {
            this.row.push("");
          } else if (code === CR || code === LF) {
            this.row.push("");
            this.endRecord(code, recordStart, at);
            recordStart = at + 1;
          } else {
            this.state = State.Unquoted;
            fieldStart = at;
          }
          break;

        case State.Unquoted:
          if (code === delimiter) {
            this.row.push(this.field + text.slice(fieldStart, at));
            this.field = "";
            this.state = State.FieldStart;
          } else if (code === CR || code === LF) {
            this.row.push(this.field + text.slice(fieldStart, at));
            this.field = "";
            this.endRecord(code, recordStart, at);
            recordStart = at + 1;
          }
          break;

        case State.Quoted:
          if (code === QUOTE) {
            this.field += text.slice(fieldStart, at);
            this.state = State.QuoteInQuoted;
          }
          break;

        case State.QuoteInQuoted:
        case State.AfterQuoted:
          if (code === QUOTE && this.state === State.QuoteInQuoted) {
            this.field += '"';
            this.state = State.Quoted;
            fieldStart = at + 1;
          } else if (code === delimiter) {
            this.row.push(this.field);
            this.field = "";
            this.state = State.FieldStart;
          } else if (code === CR || code === LF) {
            this.row.push(this.field);
            this.field = "";
            this.endRecord(code, recordStart, at);
            recordStart = at + 1;
          } else if (code === SPACE || code === TAB) {
            this.state = State.AfterQuoted;
          } else {
            throw invalidRequest(
              "invalid_csv",
              `CSV line ${this.lines.line}: unexpected character ${JSON.stringify(text[at])} after the closing quote of a field. Inside a quoted field write a quote as "".`,
              "file",
              { line: this.lines.line },
            );
          }
          break;
      }
    }

    if (this.state === State.Unquoted || this.state === State.Quoted) this.field += text.slice(fieldStart);
    this.recordChars += length - recordStart;
    this.assertRecordSize();
  }

  finish(): void {
    if (this.state === State.Quoted) {
      throw invalidRequest(
        "invalid_csv",
        `CSV line ${this.quoteLine}: a quoted field is never closed (the file ends inside it). Close the quote, or write a quote inside a quoted field as "".`,
        "file",
        { line: this.quoteLine },
      );
    }
    if (this.state !== State.FieldStart || this.rowHasContent) {
      this.row.push(this.field);
      this.field = "";
      this.emit();
    }
  }

  private endRecord(code: number, recordStart: number, at: number): void {
    this.recordChars += at - recordStart;
    this.assertRecordSize();
    this.emit();
    this.skipLineFeed = code === CR;
  }

  private emit(): void {
    const fields = this.row;
    const line = this.rowLine;
    this.row = [];
    this.rowHasContent = false;
    this.state = State.FieldStart;
    this.recordChars = 0;
    this.rowLine = this.lines.line;
    this.emitRow(fields, line);
  }

  private assertRecordSize(): void {
    if (this.recordChars <= MAX_RECORD_CHARS) return;
    const hint = this.state === State.Quoted ? ` It is inside a quoted field opened on line ${this.quoteLine}; check for a missing closing quote.` : "";
    throw invalidRequest(
      "record_too_large",
      `CSV row starting on line ${this.rowLine} is longer than ${formatCount(MAX_RECORD_CHARS)} characters.${hint}`,
      "file",
      { line: this.rowLine, limit_chars: MAX_RECORD_CHARS },
    );
  }
}
