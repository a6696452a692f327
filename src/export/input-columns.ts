// The input columns of a CSV download. The header is written before any result, so the
// columns are fixed up front, by the batch's input:
// - a CSV file whose upload is still stored: the file's columns in file order, the text
//   column among them, without the id column (its values are in `id`). Every record has
//   exactly these columns.
// - a text file: its one column, `text`.
// - inline items, JSON and JSONL files, and files deleted since the batch ran: the text
//   (headed `text`, or the text column's name), then the metadata keys of the first
//   chunk's items (up to 200 items) in the order they first appear, then
//   `other_metadata`: a JSON object of the keys that have no column of their own.
import type { BatchInput, ChunkItem } from "../batch/types";
import type { Env } from "../env";
import { getStoredFile } from "../ingest";
import type { InputCursor, ItemInput } from "./inputs";

/** The header of the column that collects metadata keys first seen after the first chunk. */
export const OTHER_METADATA_COLUMN = "other_metadata";

/** One input column before names are made unique: its name and the metadata key it reads (null for the text). */
export interface InputSource {
  name: string;
  key: string | null;
}

export interface InputColumnPlan {
  sources: InputSource[];
  /** True unless every item has exactly the planned keys. Adds the other_metadata column. */
  keysVary: boolean;
}

export interface InputColumns {
  /** Header names in order, other_metadata last when present. */
  names: string[];
  /** The metadata key of each column except other_metadata (null for the text). */
  keys: Array<string | null>;
  /** The keys as a set, present only when the other_metadata column is. */
  listed: ReadonlySet<string | null> | null;
}

/** Returns the metadata keys of chunk items in the order they first appear. */
function metadataKeysOf(items: readonly ChunkItem[]): string[] {
  const keys = new Set<string>();
  for (const item of items) if ("metadata" in item) for (const key of Object.keys(item.metadata)) keys.add(key);
  return [...keys];
}

/** Decides the input columns of a batch by the rule in the file header comment. */
export async function planInputColumns(env: Env, tenantId: string, input: BatchInput, cursor: InputCursor): Promise<InputColumnPlan> {
  if (input.source === "file") {
    const file = await getStoredFile(env, input.file_id, tenantId);
    if (file?.format === "csv") {
      const columns = file.columns.filter((column) => column !== input.id_column);
      return { sources: columns.map((column) => ({ name: column, key: column === input.text_column ? null : column })), keysVary: false };
    }
    if (file?.format === "text") return { sources: [{ name: input.text_column, key: null }], keysVary: false };
  }
  const text = { name: input.source === "file" ? input.text_column : "text", key: null };
  const keys = metadataKeysOf(await cursor.firstChunkItems());
  return { sources: [text, ...keys.map((key) => ({ name: key, key }))], keysVary: true };
}

/**
 * Names the input columns. A name already taken by a fixed column, an output column or
 * an earlier input column gets the prefix `input.` until it is unique.
 */
export function nameInputColumns(plan: InputColumnPlan, taken: Iterable<string>): InputColumns {
  const used = new Set(taken);
  const claim = (name: string): string => {
    let unique = name;
    while (used.has(unique)) unique = `input.${unique}`;
    used.add(unique);
    return unique;
  };
  const names = plan.sources.map((source) => claim(source.name));
  if (plan.keysVary) names.push(claim(OTHER_METADATA_COLUMN));
  const keys = plan.sources.map((source) => source.key);
  return { names, keys, listed: plan.keysVary ? new Set(keys) : null };
}

/** Returns the input cells of one record in header order, all empty when its input is not stored. */
export function inputCells(input: ItemInput | null | undefined, columns: InputColumns): unknown[] {
  if (input === null || input === undefined) return columns.names.map(() => null);
  const metadata = input.metadata;
  const cells = columns.keys.map((key) => {
    if (key === null) return input.text;
    return Object.hasOwn(metadata, key) ? metadata[key] : null;
  });
  if (columns.listed !== null) {
    const listed = columns.listed;
    const rest = Object.entries(metadata).filter(([key]) => !listed.has(key));
    cells.push(rest.length === 0 ? null : Object.fromEntries(rest));
  }
  return cells;
}
