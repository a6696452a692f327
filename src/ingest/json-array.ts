// JSON files: a top-level array whose elements are objects (records as they are) or
// strings (records { text }). A streaming scanner cuts the array into elements, so the
// file is never held whole; each element is parsed on its own.
import { MAX_RECORD_CHARS } from "../config/limits";
import { invalidRequest } from "../errors";
import { LineCounter } from "./line-counter";
import { isJsonObject, jsonKind, parseJson } from "./json-value";
import { formatCount, type ParseReport } from "./report";
import type { EmitRecord, TextParser } from "./types";

const CR = 13;
const LF = 10;
const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

const enum State {
  BeforeArray,
  /** After "[" or ",": an element or (only right after "[") the closing "]". */
  ExpectElement,
  InElement,
  AfterArray,
}

function isWhitespace(code: number): boolean {
  return code === 32 || code === 9 || code === LF || code === CR;
}

export class JsonArrayParser implements TextParser {
  private state = State.BeforeArray;
  private readonly lines = new LineCounter();
  private element = "";
  private elementLine = 0;
  private elementIndex = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private afterOpen = false;

  constructor(
    private readonly report: ParseReport,
    private readonly emitRecord: EmitRecord,
  ) {}

  push(text: string): void {
    let elementStart = 0;
    for (let at = 0; at < text.length; at += 1) {
      const code = text.charCodeAt(at);
      this.lines.advance(code);

      switch (this.state) {
        case State.BeforeArray:
          if (isWhitespace(code)) break;
          if (code !== OPEN_BRACKET) throw this.notAnArrayError(code);
          this.state = State.ExpectElement;
          this.afterOpen = true;
          break;

        case State.ExpectElement:
          if (isWhitespace(code)) break;
          if (code === CLOSE_BRACKET) {
            if (!this.afterOpen) this.report.reject(this.lines.line, "has a comma before the closing ] of the array");
            this.state = State.AfterArray;
            break;
          }
          if (code === COMMA) {
            this.report.reject(this.lines.line, `element ${this.elementIndex + 1} is empty (two commas in a row)`);
            this.elementIndex += 1;
            break;
          }
          this.afterOpen = false;
          this.state = State.InElement;
          this.element = "";
          this.elementLine = this.lines.line;
          this.depth = 0;
          this.inString = false;
          this.escaped = false;
          elementStart = at;
          this.scanElementCharacter(code, text, at, elementStart);
          break;

        case State.InElement:
          this.scanElementCharacter(code, text, at, elementStart);
          break;

        case State.AfterArray:
          if (!isWhitespace(code)) {
            throw invalidRequest("invalid_json", `JSON line ${this.lines.line}: unexpected text after the closing ] of the array.`, "file", {
              line: this.lines.line,
            });
          }
          break;
      }
    }

    if (this.state === State.InElement) {
      this.element += text.slice(elementStart);
      if (this.element.length > MAX_RECORD_CHARS) {
        throw invalidRequest(
          "record_too_large",
          `JSON array element starting on line ${this.elementLine} is longer than ${formatCount(MAX_RECORD_CHARS)} characters.`,
          "file",
          { line: this.elementLine, limit_chars: MAX_RECORD_CHARS },
        );
      }
    }
  }

  finish(): void {
    if (this.state === State.AfterArray) return;
    if (this.state === State.BeforeArray) return;
    throw invalidRequest(
      "invalid_json",
      `The JSON array is not closed: the file ends inside it${this.state === State.InElement ? ` (in the element starting on line ${this.elementLine})` : ""}. Check for a missing ] or an unclosed string.`,
      "file",
      { line: this.state === State.InElement ? this.elementLine : this.lines.line },
    );
  }

  /** Tracks strings and nesting inside an element; a comma or "]" at depth 0 ends it. */
  private scanElementCharacter(code: number, text: string, at: number, elementStart: number): void {
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (code === BACKSLASH) this.escaped = true;
      else if (code === QUOTE) this.inString = false;
      return;
    }
    if (code === QUOTE) this.inString = true;
    else if (code === OPEN_BRACE || code === OPEN_BRACKET) this.depth += 1;
    else if ((code === CLOSE_BRACE || code === CLOSE_BRACKET) && this.depth > 0) this.depth -= 1;
    else if (this.depth === 0 && (code === COMMA || code === CLOSE_BRACKET)) {
      this.acceptElement(this.element + text.slice(elementStart, at));
      this.element = "";
      this.state = code === COMMA ? State.ExpectElement : State.AfterArray;
    }
  }

  private acceptElement(source: string): void {
    const index = this.elementIndex;
    this.elementIndex += 1;
    let value: unknown;
    try {
      value = parseJson(source);
    } catch (error) {
      this.report.reject(this.elementLine, `element ${index + 1} is invalid JSON (${(error as Error).message})`);
      return;
    }
    if (typeof value === "string") this.emitRecord(this.elementLine, () => ({ text: value }));
    else if (isJsonObject(value)) this.emitRecord(this.elementLine, () => value);
    else this.report.reject(this.elementLine, `element ${index + 1} is ${jsonKind(value)}; expected an object or a string`);
  }

  private notAnArrayError(code: number) {
    const found = code === OPEN_BRACE ? "a single object" : `text starting with ${JSON.stringify(String.fromCharCode(code))}`;
    return invalidRequest(
      "invalid_json",
      `A JSON file must contain an array of objects or strings, but this one contains ${found} (line ${this.lines.line}). Wrap the records in [ ], or upload one object per line with format=jsonl.`,
      "file",
      { line: this.lines.line },
    );
  }
}
