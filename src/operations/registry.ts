// The five operations by name.
import { enrichOperation } from "./enrich";
import { extractOperation } from "./extract";
import { labelOperation } from "./label";
import { runOperation } from "./run";
import { summarizeOperation } from "./summarize";
import type { CommonParams, Operation, OperationName } from "./types";

export const OPERATIONS: Record<OperationName, Operation<any>> = {
  label: labelOperation,
  summarize: summarizeOperation,
  extract: extractOperation,
  enrich: enrichOperation,
  run: runOperation,
};

export function getOperation(name: OperationName): Operation<CommonParams> {
  return OPERATIONS[name];
}
