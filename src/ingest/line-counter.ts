// Physical line numbers for the streaming scanners: LF, CRLF and a lone CR each end one line.

const CR = 13;
const LF = 10;

export class LineCounter {
  /** The 1-based line of the next character; a line break already counts toward the line after it. */
  line = 1;
  private lastWasCarriageReturn = false;

  /** Advances past one character code; call it for every character in order, across chunks. */
  advance(code: number): void {
    if (code === LF) {
      if (!this.lastWasCarriageReturn) this.line += 1;
      this.lastWasCarriageReturn = false;
    } else if (code === CR) {
      this.line += 1;
      this.lastWasCarriageReturn = true;
    } else {
      this.lastWasCarriageReturn = false;
    }
  }
}
