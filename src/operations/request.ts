// Turns a request body into an operation, its parameters and prepared items.
// The sync endpoints and inline batches share it.
import { z } from "zod";
import { invalidRequest } from "../errors";
import { parseWith } from "../lib/validation";
import { ItemInputSchema, prepareItems, type PreparedItem } from "./items";
import { getOperation } from "./registry";
import { assertPlaceholdersFilled } from "./template";
import type { CommonParams, Operation, OperationName } from "./types";

export interface OperationRequest {
  operation: Operation<CommonParams>;
  params: CommonParams;
  items: PreparedItem[];
}

/** Validates parameters, checks items and placeholders; throws ApiError on bad input. */
export function parseOperationParams(name: OperationName, body: Record<string, unknown>): CommonParams {
  const operation = getOperation(name);
  const params = parseWith(operation.schema, body);
  operation.check(params);
  return params;
}

export function parseOperationRequest(
  name: OperationName,
  body: Record<string, unknown>,
  limits: { maxItems: number; tooManyHint: string },
): OperationRequest {
  const { items: rawItems, ...rest } = body;
  if (!Array.isArray(rawItems)) {
    const problem = rawItems === undefined ? "is missing" : "must be an array";
    throw invalidRequest("invalid_request", `Invalid request: items ${problem}; send an array of {"id", "text", "metadata"} objects.`, "items");
  }
  if (rawItems.length > limits.maxItems) {
    throw invalidRequest(
      "too_many_items",
      `Too many items: ${rawItems.length}; this endpoint accepts at most ${limits.maxItems}. ${limits.tooManyHint}`,
      "items",
      { max_items: limits.maxItems, received: rawItems.length },
    );
  }

  const operation = getOperation(name);
  const params = parseOperationParams(name, rest);
  const inputs = parseWith(z.array(ItemInputSchema).min(1, "send at least one item"), rawItems, "items");
  const items = prepareItems(inputs);
  assertPlaceholdersFilled(operation.templates(params), items);
  return { operation, params, items };
}
