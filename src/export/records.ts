// The public form of one stored result, as the JSON and JSONL downloads carry it:
// values exactly as stored, nothing escaped.
import type { BatchResultRow } from "../storage/schema/batches";

export interface ResultRecord {
  index: number;
  id: string;
  status: string;
  output: unknown;
  error: { code: string; message: string } | null;
  raw: string | null;
  refusal: string | null;
  warnings: string[];
  usage: { prompt_tokens: number; completion_tokens: number };
  model_calls: number;
}

export function recordOf(row: BatchResultRow): ResultRecord {
  return {
    index: row.itemIndex,
    id: row.itemId,
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
