// summarize: a summary per item, as text or as a JSON object.
import { z } from "zod";
import { parseJsonOutput } from "./json-schema";
import { buildMessages, requestTemplates } from "./prompt";
import { CommonParamsSchema, type Operation } from "./types";

export const SummarizeParamsSchema = CommonParamsSchema.extend({
  max_words: z.number().int().positive().max(5000).optional(),
  response_format: z
    .object({ type: z.enum(["text", "json_object"], { error: "must be text or json_object" }) })
    .strict()
    .default({ type: "text" }),
}).strict();
export type SummarizeParams = z.infer<typeof SummarizeParamsSchema>;

const SYSTEM_PROMPT =
  "You write faithful, concise summaries of the text the user sends. Keep names, numbers and conclusions; add nothing that the text does not say.";

/** Length and shape rules, kept when a system_prompt override replaces SYSTEM_PROMPT. */
function reference(params: SummarizeParams): string {
  const length = params.max_words ? `Use at most ${params.max_words} words. ` : "";
  const shape =
    params.response_format.type === "json_object"
      ? "Reply with a JSON object only; name its keys after what they hold."
      : "Reply with the summary only, without a preamble.";
  return length + shape;
}

function wordCount(text: string): number {
  return text.split(/\s+/).filter((word) => word.length > 0).length;
}

export const summarizeOperation: Operation<SummarizeParams> = {
  name: "summarize",
  schema: SummarizeParamsSchema,
  check() {},
  templates: requestTemplates,
  messages: (params, item) => buildMessages(params, { system: SYSTEM_PROMPT, reference: reference(params) }, item),
  format: (params) => (params.response_format.type === "json_object" ? { type: "json", name: "summary" } : { type: "text" }),
  parse(params, content) {
    if (params.response_format.type === "json_object") return parseJsonOutput(content);
    const summary = content.trim();
    const words = wordCount(summary);
    const warnings = params.max_words && words > params.max_words ? [`summary has ${words} words, over max_words ${params.max_words}`] : [];
    return { ok: true, output: { summary }, warnings };
  },
};
