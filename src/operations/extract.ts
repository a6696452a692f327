// extract: named fields pulled out of each text into a JSON object.
import { z } from "zod";
import { MAX_FIELDS } from "../config/limits";
import { checkFields, describeFields, FIELD_NAME_PATTERN, type FieldSpec, fieldsSchema, parseFieldsOutput } from "./fields";
import { buildMessages, requestTemplates } from "./prompt";
import { CommonParamsSchema, type Operation } from "./types";

const ExtractTypeSchema = z.enum(["string", "number", "integer", "boolean", "list", "object"]);

const ExtractFieldSchema = z
  .object({
    name: z.string().regex(FIELD_NAME_PATTERN, "use letters, digits, _ or - (64 characters at most), starting with a letter"),
    type: ExtractTypeSchema.default("string"),
    description: z.string().max(2000).optional(),
    required: z.boolean().default(false),
  })
  .strict();

/** Accepts a list of field objects, or the shorthand `{ "name": "type" }`. */
const ExtractFieldsSchema = z.preprocess(
  (value) =>
    value !== null && typeof value === "object" && !Array.isArray(value)
      ? Object.entries(value).map(([name, type]) => ({ name, type }))
      : value,
  z.array(ExtractFieldSchema).min(1).max(MAX_FIELDS),
);

export const ExtractParamsSchema = CommonParamsSchema.extend({ fields: ExtractFieldsSchema }).strict();
export type ExtractParams = z.infer<typeof ExtractParamsSchema>;

function specs(params: ExtractParams): FieldSpec[] {
  return params.fields;
}

function systemPrompt(params: ExtractParams): string {
  return (
    "You extract facts from the text the user sends. Return a JSON object with exactly these fields. " +
    "Use null for any field the text does not state; never guess or invent values, and add no other keys.\n\n" +
    `Fields:\n${describeFields(specs(params))}`
  );
}

export const extractOperation: Operation<ExtractParams> = {
  name: "extract",
  schema: ExtractParamsSchema,
  check: (params) => checkFields(specs(params)),
  templates: requestTemplates,
  messages: (params, item) => buildMessages(params, systemPrompt(params), item),
  format: (params) => ({ type: "json", name: "extraction", schema: fieldsSchema(specs(params)) }),
  parse: (params, content) => parseFieldsOutput(specs(params), content),
};
