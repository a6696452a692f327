// enrich: typed columns added to each item, with allowed values, examples,
// per-request category overrides and, on request, the item's metadata as context.
import { z } from "zod";
import { invalidRequest } from "../errors";
import type { PreparedItem } from "./items";
import { checkFields, describeFields, fieldListSchema, FieldNameSchema, type FieldSpec, fieldsFormat, parseFieldsOutput } from "./fields";
import { buildMessages, requestTemplates } from "./prompt";
import { renderValue } from "./template";
import { CommonParamsSchema, type Operation } from "./types";

const EnrichTypeSchema = z.enum(["string", "number", "integer", "boolean", "enum", "list"], {
  error: "must be one of string, number, integer, boolean, enum, list",
});

/** Field types whose values can be restricted to a list of strings. */
const TYPES_WITH_VALUES = new Set(["string", "enum", "list"]);

const ValueListSchema = z.array(z.string().min(1, "must not be empty").max(200)).min(1, "list at least one value").max(1000);

const EnrichFieldSchema = z
  .object({
    name: FieldNameSchema,
    type: EnrichTypeSchema.default("string"),
    description: z.string().max(2000).optional(),
    valid_values: ValueListSchema.optional(),
    examples: z.array(z.unknown()).max(20).optional(),
    required: z.boolean().default(false),
  })
  .strict();

const EnrichFieldsSchema = fieldListSchema(EnrichFieldSchema);

export const EnrichParamsSchema = CommonParamsSchema.extend({
  fields: EnrichFieldsSchema,
  runtime_categories: z.record(z.string(), ValueListSchema).optional(),
  include_context: z.boolean().default(false),
}).strict();
export type EnrichParams = z.infer<typeof EnrichParamsSchema>;

/** Applies runtime_categories over the fields' valid_values. */
function specs(params: EnrichParams): FieldSpec[] {
  return params.fields.map((field) => ({
    ...field,
    valid_values: params.runtime_categories?.[field.name] ?? field.valid_values,
  }));
}

const SYSTEM_PROMPT =
  "You enrich records with new typed fields, judged from the text the user sends and any context given with it. " +
  "Return a JSON object with exactly the fields below. Where an allowed-values list is given, use one of those values as written. " +
  "Use null when the record gives no basis for a value.";

function contextBlock(item: PreparedItem): string {
  const entries = Object.entries(item.metadata);
  if (entries.length === 0) return "";
  return `\n\nContext:\n${entries.map(([key, value]) => `${key}: ${renderValue(value)}`).join("\n")}`;
}

/** Rejects allowed values on numeric and boolean fields, and overrides for unknown fields. */
function checkValueLists(params: EnrichParams): void {
  for (const [index, field] of params.fields.entries()) {
    if (field.valid_values && !TYPES_WITH_VALUES.has(field.type)) {
      throw invalidRequest(
        "invalid_field",
        `Field "${field.name}" has type ${field.type}, which cannot take valid_values; use type enum, list or string, or remove valid_values.`,
        `fields[${index}].valid_values`,
      );
    }
  }
  const byName = new Map(params.fields.map((field) => [field.name, field]));
  for (const name of Object.keys(params.runtime_categories ?? {})) {
    const field = byName.get(name);
    if (!field) {
      throw invalidRequest(
        "unknown_field",
        `runtime_categories names "${name}", which is not a field; fields are: ${[...byName.keys()].join(", ")}.`,
        `runtime_categories.${name}`,
      );
    }
    if (!TYPES_WITH_VALUES.has(field.type)) {
      throw invalidRequest(
        "invalid_field",
        `runtime_categories names "${name}", a ${field.type} field; only enum, list and string fields take allowed values.`,
        `runtime_categories.${name}`,
      );
    }
  }
}

export const enrichOperation: Operation<EnrichParams> = {
  name: "enrich",
  schema: EnrichParamsSchema,
  check(params) {
    checkValueLists(params);
    checkFields(specs(params));
  },
  templates: requestTemplates,
  messages: (params, item) =>
    buildMessages(
      params,
      {
        system: SYSTEM_PROMPT,
        reference: `Fields:\n${describeFields(specs(params))}`,
        userSuffix: params.include_context ? contextBlock(item) : "",
      },
      item,
    ),
  format: (params) => fieldsFormat("enrichment", specs(params)),
  parse: (params, content) => parseFieldsOutput(specs(params), content),
};
