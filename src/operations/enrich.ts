// enrich: typed columns added to each item, with allowed values, examples,
// per-request category overrides and, on request, the item's metadata as context.
import { z } from "zod";
import { MAX_FIELDS } from "../config/limits";
import { invalidRequest } from "../errors";
import type { PreparedItem } from "./items";
import { checkFields, describeFields, FIELD_NAME_PATTERN, type FieldSpec, fieldsSchema, parseFieldsOutput } from "./fields";
import { buildMessages, requestTemplates } from "./prompt";
import { renderValue } from "./template";
import { CommonParamsSchema, type Operation } from "./types";

const EnrichTypeSchema = z.enum(["string", "number", "integer", "boolean", "enum", "list"]);

const EnrichFieldSchema = z
  .object({
    name: z.string().regex(FIELD_NAME_PATTERN, "use letters, digits, _ or - (64 characters at most), starting with a letter"),
    type: EnrichTypeSchema.default("string"),
    description: z.string().max(2000).optional(),
    valid_values: z.array(z.string().min(1).max(200)).max(1000).optional(),
    examples: z.array(z.unknown()).max(20).optional(),
    required: z.boolean().default(false),
  })
  .strict();

const EnrichFieldsSchema = z.preprocess(
  (value) =>
    value !== null && typeof value === "object" && !Array.isArray(value)
      ? Object.entries(value).map(([name, type]) => ({ name, type }))
      : value,
  z.array(EnrichFieldSchema).min(1).max(MAX_FIELDS),
);

export const EnrichParamsSchema = CommonParamsSchema.extend({
  fields: EnrichFieldsSchema,
  runtime_categories: z.record(z.string(), z.array(z.string().min(1).max(200)).min(1).max(1000)).optional(),
  include_context: z.boolean().default(false),
}).strict();
export type EnrichParams = z.infer<typeof EnrichParamsSchema>;

/** The fields with runtime_categories applied over their valid_values. */
function specs(params: EnrichParams): FieldSpec[] {
  return params.fields.map((field) => ({
    ...field,
    valid_values: params.runtime_categories?.[field.name] ?? field.valid_values,
  }));
}

function systemPrompt(params: EnrichParams): string {
  return (
    "You enrich records with new typed fields, judged from the text the user sends" +
    (params.include_context ? " and the context given with it" : "") +
    ". Return a JSON object with exactly these fields. Where an allowed-values list is given, use one of those values as written. " +
    "Use null when the record gives no basis for a value.\n\n" +
    `Fields:\n${describeFields(specs(params))}`
  );
}

function contextBlock(item: PreparedItem): string {
  const entries = Object.entries(item.metadata);
  if (entries.length === 0) return "";
  return `\n\nContext:\n${entries.map(([key, value]) => `${key}: ${renderValue(value)}`).join("\n")}`;
}

export const enrichOperation: Operation<EnrichParams> = {
  name: "enrich",
  schema: EnrichParamsSchema,
  check(params) {
    const names = new Set(params.fields.map((field) => field.name));
    for (const name of Object.keys(params.runtime_categories ?? {})) {
      if (!names.has(name)) {
        throw invalidRequest(
          "unknown_field",
          `runtime_categories names "${name}", which is not a field; fields are: ${[...names].join(", ")}.`,
          "runtime_categories",
        );
      }
    }
    checkFields(specs(params));
  },
  templates: requestTemplates,
  messages: (params, item) => buildMessages(params, systemPrompt(params), item, params.include_context ? contextBlock(item) : ""),
  format: (params) => ({ type: "json", name: "enrichment", schema: fieldsSchema(specs(params)) }),
  parse: (params, content) => parseFieldsOutput(specs(params), content),
};
