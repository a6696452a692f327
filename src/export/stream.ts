// Streams every stored result of a batch in input order, reading D1 one keyset page
// at a time inside a ReadableStream, and the items' inputs one chunk object at a time,
// so memory stays flat however large the batch is.
import { EXPORT_STREAM_PAGE_ROWS } from "../config/limits";
import type { Database } from "../storage/db";
import { readResultsPage } from "../storage/results";
import type { InputCursor } from "./inputs";
import { type ResultRecord, recordsOf } from "./records";

export interface StreamOptions {
  /** Text sent before the first record, such as a CSV header. */
  prefix?: string;
  /** Joins each record with its item's input; null leaves inputs out. */
  inputs: InputCursor | null;
}

export function streamResults(db: Database, batchId: string, render: (record: ResultRecord) => string, options: StreamOptions): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let after = -1;
  let started = false;

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const rows = await readResultsPage(db, batchId, after, EXPORT_STREAM_PAGE_ROWS);
      let text = started ? "" : (options.prefix ?? "");
      started = true;
      for (const record of await recordsOf(rows, options.inputs)) text += render(record);
      if (rows.length > 0) after = rows[rows.length - 1].itemIndex;
      if (text !== "") controller.enqueue(encoder.encode(text));
      if (rows.length < EXPORT_STREAM_PAGE_ROWS) controller.close();
    },
  });
}
