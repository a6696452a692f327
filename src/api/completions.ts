// POST /api/completions/{operation}: the sync endpoints, up to MAX_SYNC_ITEMS items a call.
import { Hono } from "hono";
import { MAX_SYNC_ITEMS, SYNC_RATE_LIMIT_WAIT_MS } from "../config/limits";
import { readLlmSettings } from "../config/settings";
import { ApiError } from "../errors";
import { mapWithConcurrency } from "../lib/concurrency";
import { LlmClient } from "../llm/client";
import { providerGate } from "../ratelimit/gate";
import { parseOperationRequest } from "../operations/request";
import { runItem } from "../operations/runner";
import { type ItemErrorCode, type ItemResult, OPERATION_NAMES } from "../operations/types";
import type { AppEnv } from "./context";
import { asObject, readJsonBody } from "./request";
import type { CompletionResponse, CompletionTotals } from "./schemas";

/** Codes that mean the provider, not the item, was the problem. */
const PROVIDER_CODES = new Set<ItemErrorCode>(["provider_error", "timeout", "rate_limited"]);

export function summarizeResults(results: ItemResult[]): CompletionTotals {
  return {
    items: results.length,
    succeeded: results.filter((r) => r.status === "succeeded").length,
    failed: results.filter((r) => r.status === "failed").length,
    prompt_tokens: results.reduce((sum, r) => sum + r.usage.prompt_tokens, 0),
    completion_tokens: results.reduce((sum, r) => sum + r.usage.completion_tokens, 0),
    model_calls: results.reduce((sum, r) => sum + r.model_calls, 0),
  };
}

export const completions = new Hono<AppEnv>();

for (const name of OPERATION_NAMES) {
  completions.post(`/${name}`, async (c) => {
    const body = asObject(await readJsonBody(c));
    const request = parseOperationRequest(name, body, {
      maxItems: MAX_SYNC_ITEMS,
      tooManyHint: `Submit larger sets as a batch with POST /api/batches (operation "${name}").`,
    });

    const llm = new LlmClient(readLlmSettings(c.env), providerGate(c.env));
    const log = c.get("log");
    const deadlineMs = Date.now() + SYNC_RATE_LIMIT_WAIT_MS;
    const ran = await mapWithConcurrency(request.items, llm.concurrency, (item) =>
      runItem(llm, request.operation, request.params, item, { log, signal: c.req.raw.signal, deadlineMs }),
    );
    // Provider messages and model text are echoed back, so the key is removed from all of it.
    const results = llm.redactValue(ran);
    const totals = summarizeResults(results);

    if (results.every((r) => r.error !== null && PROVIDER_CODES.has(r.error.code))) {
      log.warn("model endpoint failed for every item", { operation: name, ...totals });
      throw new ApiError(502, "provider_error", "provider_unavailable", `The model endpoint failed for every item; first error: ${results[0].error?.message}`, {
        details: { results, totals },
      });
    }

    log.info("completions finished", { operation: name, ...totals });
    const response: CompletionResponse = {
      object: "completion.result",
      operation: name,
      model: request.params.model ?? llm.defaultModel,
      results,
      totals,
    };
    return c.json(response);
  });
}
