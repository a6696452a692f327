// The CSV columns of a batch download: index and id, the input columns (see
// input-columns.ts), status, one column per output field, then the error and raw text.
// Output fields: label gives label (or labels, as JSON text), summarize gives summary,
// extract and enrich give one column per field, and run gives the properties of an
// object schema or else output.
import type { CommonParams, OperationName } from "../operations/types";
import { type InputColumns, inputCells } from "./input-columns";
import type { ResultRecord } from "./records";

const KEY_COLUMNS = ["index", "id"] as const;
const TRAILING_COLUMNS = ["error_code", "error_message", "raw"] as const;
export const FIXED_COLUMNS: readonly string[] = [...KEY_COLUMNS, "status", ...TRAILING_COLUMNS];

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
  return keys.map((key) => ({ name: FIXED_COLUMNS.includes(key) ? `output_${key}` : key, key }));
}

/** The columns of one CSV download. `inputs` is null when the download leaves out the inputs. */
export interface CsvLayout {
  outputs: readonly OutputColumn[];
  inputs: InputColumns | null;
}

export function headerOf(layout: CsvLayout): string[] {
  const inputs = layout.inputs?.names ?? [];
  return [...KEY_COLUMNS, ...inputs, "status", ...layout.outputs.map((column) => column.name), ...TRAILING_COLUMNS];
}

/** Returns the cell values of one record in header order. */
export function valuesOf(record: ResultRecord, layout: CsvLayout): unknown[] {
  const output = record.output;
  const fields = layout.outputs.map((column) => {
    if (column.key === null) return output;
    if (output === null || typeof output !== "object" || Array.isArray(output)) return null;
    return (output as Record<string, unknown>)[column.key] ?? null;
  });
  const inputs = layout.inputs === null ? [] : inputCells(record.input, layout.inputs);
  return [record.index, record.id, ...inputs, record.status, ...fields, record.error?.code ?? null, record.error?.message ?? null, record.raw];
}
