// extract: named fields pulled out of each text into a JSON object with exactly
// those keys. Fields come as a list (`fields`) or as a flat JSON Schema (`schema`).
import { z } from "zod";
import { MAX_FIELDS } from "../config/limits";
import { checkFields, describeFields, fieldListSchema, FieldNameSchema, type FieldSpec, fieldsFormat, parseFieldsOutput } from "./fields";
import { buildMessages, requestTemplates } from "./prompt";
import { fieldsFromSchema } from "./schema-fields";
import { CommonParamsSchema, type Operation } from "./types";

const ExtractTypeSchema = z.enum(["string", "number", "integer", "boolean", "list", "object"], {
  error: "must be one of string, number, integer, boolean, list, object",
});

const ExtractFieldSchema = z
  .object({
    name: FieldNameSchema,
    type: ExtractTypeSchema.default("string"),
    description: z.string().max(2000).optional(),
    required: z.boolean().default(false),
  })
  .strict();

const ExtractFieldsSchema = fieldListSchema(ExtractFieldSchema);

/** After parsing, `schema` has become `fields`, so stored parameters parse again unchanged. */
export const ExtractParamsSchema = CommonParamsSchema.extend({
  fields: ExtractFieldsSchema.optional(),
  schema: z.record(z.string(), z.unknown()).optional(),
})
  .strict()
  .transform((params, ctx) => {
    const { schema, fields, ...rest } = params;
    if ((schema === undefined) === (fields === undefined)) {
      ctx.addIssue({ code: "custom", path: ["fields"], message: 'send either "fields" or "schema", not both and not neither' });
      return z.NEVER;
    }
    if (fields !== undefined) return { ...rest, fields: fields as FieldSpec[] };

    const converted = fieldsFromSchema(schema!);
    if (!converted.ok) {
      ctx.addIssue({ code: "custom", path: converted.path, message: converted.message });
      return z.NEVER;
    }
    if (converted.fields.length > MAX_FIELDS) {
      ctx.addIssue({ code: "custom", path: ["schema", "properties"], message: `has more than ${MAX_FIELDS} properties` });
      return z.NEVER;
    }
    return { ...rest, fields: converted.fields };
  });
export type ExtractParams = z.infer<typeof ExtractParamsSchema>;

const SYSTEM_PROMPT =
  "You extract facts from the text the user sends. Return a JSON object with exactly the fields below. " +
  "Use null for any field the text does not state; never guess or invent values, and add no other keys.";

export const extractOperation: Operation<ExtractParams> = {
  name: "extract",
  schema: ExtractParamsSchema,
  check: (params) => checkFields(params.fields),
  templates: requestTemplates,
  messages: (params, item) => buildMessages(params, { system: SYSTEM_PROMPT, reference: `Fields:\n${describeFields(params.fields)}` }, item),
  format: (params) => fieldsFormat("extraction", params.fields),
  parse: (params, content) => parseFieldsOutput(params.fields, content),
};
