// Runs one item through an operation: model call, finish checks, validation and
// one repair call. Every outcome is an ItemResult; nothing here throws per item.
import { MAX_MODEL_CALLS_PER_ITEM } from "../config/limits";
import type { CallContext, LlmClient } from "../llm/client";
import { addUsage, type ChatMessage, emptyUsage, type TokenUsage } from "../llm/types";
import type { PreparedItem } from "./items";
import { sanitizeMessages } from "./sanitize";
import type { CommonParams, ItemError, ItemErrorCode, ItemResult, Operation } from "./types";

function result(item: PreparedItem, fields: Partial<ItemResult>): ItemResult {
  return {
    id: item.id,
    index: item.index,
    status: "succeeded",
    output: null,
    error: null,
    raw: null,
    refusal: null,
    warnings: [],
    usage: emptyUsage(),
    model_calls: 0,
    ...fields,
  };
}

/** A failed result that keeps whatever the model said. */
export function failedResult(
  item: PreparedItem,
  code: ItemErrorCode,
  message: string,
  extra: Partial<ItemResult> = {},
): ItemResult {
  const error: ItemError = { code, message };
  return result(item, { status: "failed", error, ...extra });
}

/** Finish reasons and empty answers that end an item before parsing. */
function finishProblem(content: string | null, refusal: string | null, finishReason: string | null): ItemError | null {
  if (finishReason === "length") {
    return { code: "truncated", message: "the model stopped at max_tokens (finish_reason length); raise max_tokens or shorten the input" };
  }
  if (finishReason === "content_filter") return { code: "content_filtered", message: "the provider's content filter withheld the answer" };
  if (refusal !== null && refusal.trim() !== "") return { code: "refused", message: `the model refused: ${refusal}` };
  if (content === null || content.trim() === "") return { code: "empty_output", message: "the model returned no content" };
  return null;
}

function repairMessage(problem: string): ChatMessage {
  return {
    role: "user",
    content: `Your previous answer was rejected: ${problem}. Reply again with a corrected answer in the required format, and nothing else.`,
  };
}

/**
 * Runs one item: a model call, the finish checks, then validation. An answer that
 * fails validation gets one repair call that shows the model its answer and the
 * error; a second failure becomes the item's error. Truncated, refused, filtered
 * and empty answers are never repaired.
 */
export async function runItem<P extends CommonParams>(
  llm: LlmClient,
  operation: Operation<P>,
  params: P,
  item: PreparedItem,
  ctx: CallContext,
): Promise<ItemResult> {
  const { messages, warnings } = sanitizeMessages(operation.messages(params, item));
  const result = await callModel(llm, operation, params, item, messages, ctx);
  return warnings.length === 0 ? result : { ...result, warnings: [...warnings, ...result.warnings] };
}

async function callModel<P extends CommonParams>(
  llm: LlmClient,
  operation: Operation<P>,
  params: P,
  item: PreparedItem,
  messages: ChatMessage[],
  ctx: CallContext,
): Promise<ItemResult> {
  const format = operation.format(params);
  let conversation = messages;
  let usage: TokenUsage = emptyUsage();
  let rejected: string | null = null;

  for (let call = 1; call <= MAX_MODEL_CALLS_PER_ITEM; call++) {
    const outcome = await llm.chat(
      { messages: conversation, format, model: params.model, maxTokens: params.max_tokens, temperature: params.temperature },
      { ...ctx, itemId: item.id },
    );
    if (!outcome.ok) return failedResult(item, outcome.code, outcome.message, { raw: rejected, usage, model_calls: call });
    usage = addUsage(usage, outcome.usage);

    const problem = finishProblem(outcome.content, outcome.refusal, outcome.finishReason);
    if (problem) {
      return failedResult(item, problem.code, problem.message, {
        raw: outcome.content,
        refusal: outcome.refusal && outcome.refusal.trim() !== "" ? outcome.refusal : null,
        usage,
        model_calls: call,
      });
    }

    const content = outcome.content as string;
    const parsed = operation.parse(params, content);
    if (parsed.ok) {
      return result(item, { output: parsed.output, warnings: parsed.warnings ?? [], usage, model_calls: call });
    }
    if (call === MAX_MODEL_CALLS_PER_ITEM) {
      return failedResult(item, parsed.code, `${parsed.message} (after one repair attempt)`, { raw: content, usage, model_calls: call });
    }

    ctx.log.info("answer failed validation; asking for a repair", { item_id: item.id, code: parsed.code });
    rejected = content;
    conversation = [...messages, { role: "assistant", content }, repairMessage(parsed.message)];
  }
  throw new Error("unreachable: the repair loop always returns");
}
