// label: single- or multi-label classification against a fixed category set.
import { z } from "zod";
import { MAX_CATEGORIES } from "../config/limits";
import { invalidRequest } from "../errors";
import type { OutputFormat } from "../llm/types";
import { parseJsonText } from "./json-schema";
import { CategoryIndex, collidingNames, foldCase, normaliseAnswer, splitLabelList } from "./labels";
import { buildMessages, type PromptParts, requestTemplates } from "./prompt";
import { CommonParamsSchema, type Operation, type ParseOutcome } from "./types";

const CategoryNameSchema = z.string().trim().min(1, "must not be empty").max(200);

const CategorySchema = z.union(
  [CategoryNameSchema, z.object({ name: CategoryNameSchema, description: z.string().max(2000).optional() }).strict()],
  { error: 'must be a category name or an object {"name", "description"}' },
);

export const LabelParamsSchema = CommonParamsSchema.extend({
  categories: z.array(CategorySchema).min(1).max(MAX_CATEGORIES),
  multi_label: z.boolean().default(false),
  allow_none: z.boolean().default(false),
}).strict();
export type LabelParams = z.infer<typeof LabelParamsSchema>;

/** Answers that mean "no category fits" when allow_none is on. */
const NONE_ANSWERS = new Set(["none", "null", "no category", "no label", ""]);

function categoryNames(params: LabelParams): string[] {
  return params.categories.map((category) => (typeof category === "string" ? category : category.name));
}

function promptParts(params: LabelParams): PromptParts {
  const list = params.categories
    .map((category) =>
      typeof category === "string" ? `- ${category}` : `- ${category.name}${category.description ? `: ${category.description}` : ""}`,
    )
    .join("\n");
  const task = params.multi_label
    ? "Assign every category below that applies to the text the user sends."
    : "Assign exactly one category below to the text the user sends.";
  const none = params.allow_none
    ? params.multi_label
      ? " If no category applies, answer with an empty list."
      : " If no category fits, answer null."
    : "";
  return {
    system: `You are a careful text classifier. ${task}${none}`,
    reference: `Write each category name exactly as listed.\n\nCategories:\n${list}`,
  };
}

function format(params: LabelParams): OutputFormat {
  const names = categoryNames(params);
  const label = params.multi_label
    ? { type: "array", items: { type: "string", enum: names } }
    : params.allow_none
      ? { anyOf: [{ type: "string", enum: names }, { type: "null" }] }
      : { type: "string", enum: names };
  const key = params.multi_label ? "labels" : "label";
  return {
    type: "json",
    name: "classification",
    schema: { type: "object", properties: { [key]: label }, required: [key], additionalProperties: false },
  };
}

/** Takes the answer out of a JSON reply when there is one, else uses the text. */
function answerOf(content: string, key: "label" | "labels"): unknown {
  const trimmed = content.trim();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("```")) return trimmed;
  const parsed = parseJsonText(trimmed);
  if (parsed.ok && parsed.value !== null && typeof parsed.value === "object" && !Array.isArray(parsed.value)) {
    const record = parsed.value as Record<string, unknown>;
    if (Object.hasOwn(record, key)) return record[key];
  }
  return trimmed;
}

function parseSingle(params: LabelParams, index: CategoryIndex, content: string): ParseOutcome {
  const answer = answerOf(content, "label");
  if (answer === null && params.allow_none) return { ok: true, output: { label: null } };
  if (typeof answer !== "string") {
    return { ok: false, code: "invalid_label", message: `expected one category name, got ${JSON.stringify(answer)}` };
  }

  const match = index.match(answer);
  if (match !== undefined) return { ok: true, output: { label: match } };
  if (params.allow_none && NONE_ANSWERS.has(foldCase(normaliseAnswer(answer)))) return { ok: true, output: { label: null } };

  const parts = splitLabelList(answer);
  const matchedParts = parts.filter((part) => index.match(part) !== undefined);
  if (parts.length > 1 && matchedParts.length > 1) {
    return { ok: false, code: "invalid_label", message: `expected exactly one category, got ${matchedParts.length}: ${parts.join(", ")}` };
  }
  return { ok: false, code: "invalid_label", message: `"${normaliseAnswer(answer)}" is not one of the categories: ${index.names.join(", ")}` };
}

function parseMulti(params: LabelParams, index: CategoryIndex, content: string): ParseOutcome {
  const answer = answerOf(content, "labels");
  let parts: string[] | null = null;
  if (Array.isArray(answer)) parts = answer.map((value) => String(value));
  else if (typeof answer === "string") parts = splitLabelList(answer);
  if (parts === null) {
    return { ok: false, code: "invalid_label", message: `expected a list of category names, got ${JSON.stringify(answer)}` };
  }

  const labels: string[] = [];
  const dropped: string[] = [];
  for (const part of parts) {
    const match = index.match(part);
    if (match !== undefined) {
      if (!labels.includes(match)) labels.push(match);
    } else if (!NONE_ANSWERS.has(foldCase(normaliseAnswer(part)))) {
      dropped.push(normaliseAnswer(part));
    }
  }

  if (labels.length === 0) {
    if (dropped.length === 0 && params.allow_none) return { ok: true, output: { labels: [] } };
    const shown = dropped.length > 0 ? dropped.join(", ") : normaliseAnswer(String(answer));
    return { ok: false, code: "invalid_label", message: `no answer matched a category (got: ${shown}); categories: ${index.names.join(", ")}` };
  }
  const warnings = dropped.map((value) => `dropped label "${value}": not one of the categories`);
  return { ok: true, output: { labels }, warnings };
}

export const labelOperation: Operation<LabelParams> = {
  name: "label",
  schema: LabelParamsSchema,
  check(params) {
    const collisions = collidingNames(categoryNames(params));
    if (collisions.length > 0) {
      throw invalidRequest(
        "duplicate_categories",
        `Categories must differ after case-folding and trimming; these collide: ${collisions.map((group) => group.join(" / ")).join("; ")}.`,
        "categories",
      );
    }
  },
  templates: requestTemplates,
  messages: (params, item) => buildMessages(params, promptParts(params), item),
  format,
  parse(params, content) {
    const index = new CategoryIndex(categoryNames(params));
    return params.multi_label ? parseMulti(params, index, content) : parseSingle(params, index, content);
  },
};
