// summarize: a summary per item, as text or as a JSON object.
import { z } from "zod";
import { parseJsonText } from "./json-schema";
import { buildMessages, requestTemplates } from "./prompt";
import { CommonParamsSchema, type Operation } from "./types";

export const SummarizeParamsSchema = CommonParamsSchema.extend({
  max_words: z.number().int().positive().max(5000).optional(),
  response_format: z
    .object({ type: z.enum(["text", "json_object"]) })
    .strict()
    .default({ type: "text" }),
}).strict();
export type SummarizeParams = z.infer<typeof SummarizeParamsSchema>;

function systemPrompt(params: SummarizeParams): string {
  const length = params.max_words ? ` Use at most ${params.max_words} words.` : "";
  const shape =
    params.response_format.type === "json_object"
      ? " Reply with a JSON object only; name its keys after what they hold."
      : " Reply with the summary only, without a preamble.";
  return `You write faithful, concise summaries of the text the user sends. Keep names, numbers and conclusions; add nothing that the text does not say.${length}${shape}`;
}

function wordCount(text: string): number {
  return text.split(/\s+/).filter((word) => word.length > 0).length;
}

export const summarizeOperation: Operation<SummarizeParams> = {
  name: "summarize",
  schema: SummarizeParamsSchema,
  check() {},
  templates: requestTemplates,
  messages: (params, item) => buildMessages(params, systemPrompt(params), item),
  format: (params) => (params.response_format.type === "json_object" ? { type: "json", name: "summary" } : { type: "text" }),
  parse(params, content) {
    if (params.response_format.type === "json_object") {
      const parsed = parseJsonText(content);
      if (!parsed.ok) return { ok: false, code: "not_json", message: parsed.message };
      if (parsed.value === null || typeof parsed.value !== "object" || Array.isArray(parsed.value)) {
        return { ok: false, code: "schema_mismatch", message: "expected a JSON object" };
      }
      return { ok: true, output: parsed.value };
    }
    const summary = content.trim();
    const words = wordCount(summary);
    const warnings = params.max_words && words > params.max_words ? [`summary has ${words} words, over max_words ${params.max_words}`] : [];
    return { ok: true, output: { summary }, warnings };
  },
};
