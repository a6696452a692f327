// The CSV columns of a batch download: fixed columns around one column per output
// field: label gives label (or labels, as JSON text), summarize gives summary, extract
// and enrich give one column per field, and run gives the properties of an object
// schema or else output.
import type { CommonParams, OperationName } from "../operations/types";
import type { ResultRecord } from "./records";

export const LEADING_COLUMNS = ["index", "id", "status"] as const;
export const TRAILING_COLUMNS = ["error_code", "error_message", "raw"] as const;

export interface OutputColumn {
  /** The header name. */
  name: string;
  /** The output key it reads, or null for the whole output. */
  key: string | null;
}

/** Loosely typed parameters: only the keys that decide the output shape are read. */
type ShapeParams = CommonParams & {
  multi_label?: boolean;
  fields?: Array<{ name: string }>;
  response_format?: { type: string; json_schema?: { schema?: Record<string, unknown> } };
};

function outputKeys(operation: OperationName, params: ShapeParams): string[] | null {
  switch (operation) {
    case "label":
      return [params.multi_label ? "labels" : "label"];
    case "summarize":
      return params.response_format?.type === "json_object" ? null : ["summary"];
    case "extract":
    case "enrich":
      return (params.fields ?? []).map((field) => field.name);
    case "run": {
      const schema = params.response_format?.type === "json_schema" ? params.response_format.json_schema?.schema : undefined;
      const properties = schema?.type === "object" ? schema.properties : undefined;
      return properties !== null && typeof properties === "object" ? Object.keys(properties) : null;
    }
  }
}

/** Returns the output columns. A field named like a fixed column is renamed output_<name>. */
export function outputColumns(operation: OperationName, params: CommonParams): OutputColumn[] {
  const keys = outputKeys(operation, params as ShapeParams);
  if (keys === null) return [{ name: "output", key: null }];
  const fixed = new Set<string>([...LEADING_COLUMNS, ...TRAILING_COLUMNS]);
  return keys.map((key) => ({ name: fixed.has(key) ? `output_${key}` : key, key }));
}

export function headerOf(columns: readonly OutputColumn[]): string[] {
  return [...LEADING_COLUMNS, ...columns.map((column) => column.name), ...TRAILING_COLUMNS];
}

/** Returns the cell values of one record in header order. */
export function valuesOf(record: ResultRecord, columns: readonly OutputColumn[]): unknown[] {
  const output = record.output;
  const fields = columns.map((column) => {
    if (column.key === null) return output;
    if (output === null || typeof output !== "object" || Array.isArray(output)) return null;
    return (output as Record<string, unknown>)[column.key] ?? null;
  });
  return [record.index, record.id, record.status, ...fields, record.error?.code ?? null, record.error?.message ?? null, record.raw];
}
