// Choosing a file's format and charset from the request: an explicit parameter, then the
// filename's extension, then the Content-Type.
import { invalidRequest } from "../errors";
import type { FileFormat } from "./types";

/** A resolved format, with the delimiter that a .tsv name or a tab-separated content type implies. */
export interface FormatChoice {
  format: FileFormat;
  delimiter: string | null;
}

const BY_EXTENSION: Record<string, FormatChoice> = {
  csv: { format: "csv", delimiter: null },
  tsv: { format: "csv", delimiter: "\t" },
  tab: { format: "csv", delimiter: "\t" },
  json: { format: "json", delimiter: null },
  jsonl: { format: "jsonl", delimiter: null },
  ndjson: { format: "jsonl", delimiter: null },
  jsonlines: { format: "jsonl", delimiter: null },
  txt: { format: "text", delimiter: null },
  text: { format: "text", delimiter: null },
};

const BY_MEDIA_TYPE: Record<string, FormatChoice> = {
  "text/csv": { format: "csv", delimiter: null },
  "application/csv": { format: "csv", delimiter: null },
  "text/tab-separated-values": { format: "csv", delimiter: "\t" },
  "application/json": { format: "json", delimiter: null },
  "application/jsonl": { format: "jsonl", delimiter: null },
  "application/x-jsonlines": { format: "jsonl", delimiter: null },
  "application/jsonlines": { format: "jsonl", delimiter: null },
  "application/x-ndjson": { format: "jsonl", delimiter: null },
  "application/ndjson": { format: "jsonl", delimiter: null },
  "text/plain": { format: "text", delimiter: null },
};

/** Returns the media type of a Content-Type value, lower-cased, without parameters. */
export function mediaTypeOf(contentType: string | null): string {
  return (contentType ?? "").split(";")[0].trim().toLowerCase();
}

/** Returns the `charset` parameter of a Content-Type value, or null. */
export function charsetOf(contentType: string | null): string | null {
  const match = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]+))/i.exec(contentType ?? "");
  return match ? (match[1] ?? match[2]) : null;
}

/**
 * Picks the format: `explicit` when given, else by the filename's extension, else by the
 * media type. Raises a 400 that requests the format parameter when none of them determines it.
 */
export function chooseFormat(explicit: FileFormat | undefined, filename: string, contentType: string | null): FormatChoice {
  const extension = /\.([a-z0-9]+)$/i.exec(filename)?.[1]?.toLowerCase();
  const guessed = (extension !== undefined ? BY_EXTENSION[extension] : undefined) ?? BY_MEDIA_TYPE[mediaTypeOf(contentType)];
  if (explicit !== undefined) {
    return { format: explicit, delimiter: guessed?.format === explicit ? guessed.delimiter : null };
  }
  if (guessed) return guessed;
  throw invalidRequest(
    "unknown_format",
    `Cannot tell the format of ${JSON.stringify(filename)} (Content-Type ${contentType ? JSON.stringify(contentType) : "none"}). Pass format=csv, json, jsonl or text.`,
    "format",
  );
}

/**
 * Returns the last path segment of a client-sent filename (browsers may send a full
 * path), or raises a 400 when it is empty or contains control characters.
 */
export function cleanFilename(raw: string): string {
  const name = raw.split(/[\\/]/).pop()!.trim();
  // eslint-disable-next-line no-control-regex
  if (name === "" || /[\u0000-\u001f\u007f]/.test(name)) {
    throw invalidRequest("invalid_filename", `Invalid filename ${JSON.stringify(raw)}: give a name without control characters, such as reviews.csv.`, "filename");
  }
  return name;
}
