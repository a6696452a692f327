// The public form of one stored result, as the JSON and JSONL downloads carry it:
// values exactly as stored, nothing escaped.
import type { BatchResultRow } from "../storage/schema/batches";
import type { InputCursor, ItemInput } from "./inputs";

export interface ResultRecord {
  index: number;
  id: string;
  /** The item's input, null when it is not stored; left out when the download omits inputs. */
  input?: ItemInput | null;
  status: string;
  output: unknown;
  error: { code: string; message: string } | null;
  raw: string | null;
  refusal: string | null;
  warnings: string[];
  usage: { prompt_tokens: number; completion_tokens: number };
  model_calls: number;
}

/** Builds the record of one result row, with the item's input unless `input` is undefined. */
export function recordOf(row: BatchResultRow, input?: ItemInput | null): ResultRecord {
  return {
    index: row.itemIndex,
    id: row.itemId,
    ...(input === undefined ? {} : { input }),
    status: row.status,
    output: row.output === null ? null : JSON.parse(row.output),
    error: row.errorCode === null ? null : { code: row.errorCode, message: row.errorMessage ?? "" },
    raw: row.raw,
    refusal: row.refusal,
    warnings: JSON.parse(row.warnings) as string[],
    usage: { prompt_tokens: row.promptTokens, completion_tokens: row.completionTokens },
    model_calls: row.modelCalls,
  };
}

/** Builds the records of a page of rows in index order, joined with their inputs when `cursor` is given. */
export async function recordsOf(rows: readonly BatchResultRow[], cursor: InputCursor | null): Promise<ResultRecord[]> {
  if (cursor === null) return rows.map((row) => recordOf(row));
  const inputs = await cursor.inputsFor(rows.map((row) => row.itemIndex));
  return rows.map((row, i) => recordOf(row, inputs[i]));
}
