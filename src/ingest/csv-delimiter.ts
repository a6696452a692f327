// CSV delimiter detection: each candidate tokenizes a sample of the file's first lines,
// and the one that splits every sampled row into the header's column count wins.
import { DELIMITER_SAMPLE_CHARS, DELIMITER_SAMPLE_LINES } from "../config/limits";
import { invalidRequest } from "../errors";
import { CsvTokenizer } from "./csv-tokenizer";

export const DELIMITER_CANDIDATES = [",", ";", "\t", "|"] as const;

const DELIMITER_NAMES: Record<string, string> = { ",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe" };

/** Returns a delimiter's name for messages and query parameters: comma, semicolon, tab, pipe or the character. */
export function delimiterName(delimiter: string): string {
  return DELIMITER_NAMES[delimiter] ?? delimiter;
}

/**
 * Parses a `delimiter` parameter: a single character other than a quote or a line break,
 * or one of the names comma, semicolon, tab, pipe.
 */
export function parseDelimiter(value: string): string {
  const named = Object.entries(DELIMITER_NAMES).find(([, name]) => name === value.toLowerCase());
  if (named) return named[0];
  if (value === "\\t") return "\t";
  if (value.length === 1 && value !== '"' && value !== "\r" && value !== "\n") return value;
  throw invalidRequest(
    "invalid_delimiter",
    `Invalid delimiter ${JSON.stringify(value)}: pass one character (not a quote or a line break) or one of comma, semicolon, tab, pipe.`,
    "delimiter",
  );
}

/**
 * Finds where the delimiter sample ends: after the DELIMITER_SAMPLE_LINES-th line break, or
 * at DELIMITER_SAMPLE_CHARS characters, or at the end of a shorter file. The cut depends
 * only on the content, so detection gives the same result however the stream was chunked.
 * It remembers how far it scanned, so calling it after every chunk stays linear.
 */
export class SampleCutter {
  private scanned = 0;
  private breaks = 0;

  /** Returns the sample length, or -1 while `text` is shorter than the sample and more may follow. */
  cut(text: string, finished: boolean): number {
    const limit = Math.min(text.length, DELIMITER_SAMPLE_CHARS);
    for (let at = this.scanned; at < limit; at += 1) {
      const code = text.charCodeAt(at);
      let isBreak = code === 10;
      if (code === 13) {
        // A CR at the end of the text may be the first half of a CRLF still to come.
        if (at + 1 === text.length && !finished) {
          this.scanned = at;
          return -1;
        }
        isBreak = text.charCodeAt(at + 1) !== 10;
      }
      if (isBreak) {
        this.breaks += 1;
        if (this.breaks === DELIMITER_SAMPLE_LINES) return at + 1;
      }
    }
    this.scanned = limit;
    if (text.length >= DELIMITER_SAMPLE_CHARS) return DELIMITER_SAMPLE_CHARS;
    return finished ? text.length : -1;
  }
}

interface CandidateScore {
  delimiter: string;
  columns: number;
  matching: number;
  rows: number;
}

function scoreCandidate(delimiter: string, sample: string, complete: boolean): CandidateScore | null {
  const counts: number[] = [];
  const tokenizer = new CsvTokenizer(delimiter, (fields) => {
    if (fields.some((field) => field.trim() !== "")) counts.push(fields.length);
  });
  try {
    tokenizer.push(sample);
    if (complete) tokenizer.finish();
  } catch {
    return null;
  }
  // The last row of a cut sample may be partial.
  if (!complete && counts.length > 1) counts.pop();
  if (counts.length === 0) return null;

  const columns = counts[0];
  const rows = counts.slice(1);
  return { delimiter, columns, matching: rows.filter((count) => count === columns).length, rows: rows.length };
}

/**
 * Picks the delimiter of a CSV sample. A candidate qualifies when its header has two or
 * more columns. The candidate whose sampled rows all match the header's column count wins,
 * and failing that the one with the most matching rows. Two equally good candidates raise
 * a 400 that requests the `delimiter` parameter. A sample with one column under every
 * candidate is a one-column file, read with a comma.
 */
export function detectDelimiter(sample: string, complete: boolean): string {
  const scores = DELIMITER_CANDIDATES.map((delimiter) => scoreCandidate(delimiter, sample, complete)).filter(
    (score): score is CandidateScore => score !== null && score.columns > 1,
  );
  if (scores.length === 0) return ",";

  const consistent = scores.filter((score) => score.matching === score.rows);
  let best = consistent;
  if (best.length === 0) {
    const maxMatching = Math.max(...scores.map((score) => score.matching));
    best = scores.filter((score) => score.matching === maxMatching);
  }
  if (best.length === 1) return best[0].delimiter;

  const described = best.map((score) => `${delimiterName(score.delimiter)} gives ${score.columns} columns`).join(", ");
  throw invalidRequest(
    "ambiguous_delimiter",
    `Cannot tell the CSV delimiter: on the first lines, ${described}. Pass the delimiter parameter, for example delimiter=${delimiterName(best[0].delimiter)}.`,
    "delimiter",
    { candidates: best.map((score) => ({ delimiter: score.delimiter, columns: score.columns })) },
  );
}
