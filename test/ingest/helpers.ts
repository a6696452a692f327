// Helpers for ingest tests: chunked byte sources, whole-file parsing and error capture.
import { ApiError } from "../../src/errors";
import { inspectFile, parseRecords } from "../../src/ingest/records";
import { ParseReport } from "../../src/ingest/report";
import type { FileRecord, ParseOptions } from "../../src/ingest/types";

export const encoder = new TextEncoder();

export function toBytes(input: string | Uint8Array): Uint8Array {
  return typeof input === "string" ? encoder.encode(input) : input;
}

/** Decodes a base64 fixture (kept as text because the bundler reads fixtures as UTF-8). */
export function base64Bytes(text: string): Uint8Array {
  return Uint8Array.from(atob(text.replace(/\s+/g, "")), (char) => char.charCodeAt(0));
}

/** Yields `bytes` in chunks of `size` bytes (the whole input when size is 0). */
export async function* chunked(input: string | Uint8Array, size = 0): AsyncGenerator<Uint8Array> {
  const bytes = toBytes(input);
  if (size <= 0) {
    yield bytes;
    return;
  }
  for (let at = 0; at < bytes.byteLength; at += size) yield bytes.slice(at, at + size);
}

/** Streams `input` in chunks of `size` bytes, as a ReadableStream without a known length. */
export function streamOf(input: string | Uint8Array, size: number): ReadableStream<Uint8Array> {
  const bytes = toBytes(input);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.byteLength) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
  });
}

export function csvOptions(overrides: Partial<ParseOptions> = {}): ParseOptions {
  return { format: "csv", delimiter: null, charset: null, ...overrides };
}

/** Parses a whole input and returns its records and report. */
export async function parseAll(input: string | Uint8Array, options: ParseOptions, chunkSize = 0) {
  const report = new ParseReport();
  const records: FileRecord[] = [];
  for await (const record of parseRecords(chunked(input, chunkSize), options, report)) records.push(record);
  return { records, report };
}

export function inspect(input: string | Uint8Array, options: ParseOptions, chunkSize = 0) {
  return inspectFile(chunked(input, chunkSize), options);
}

/** Awaits a promise that must reject with an ApiError and returns that error. */
export async function apiErrorOf(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error("expected an ApiError, but the promise resolved");
}
