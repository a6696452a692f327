// run: any system prompt, user template and response format.
import { z } from "zod";
import { isStrictCompatible, parseJsonOutput } from "./json-schema";
import { buildMessages, requestTemplates } from "./prompt";
import { CommonParamsSchema, type Operation } from "./types";

const DEFAULT_SYSTEM_PROMPT = "You are a precise assistant. Follow the user's request exactly and reply with the answer only.";

const JsonSchemaFormatSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1 to 64 letters, digits, _ or -")
      .default("output"),
    schema: z.record(z.string(), z.unknown()),
    /** Absent: strict when the schema meets the strict rules (see isStrictCompatible). */
    strict: z.boolean().optional(),
    description: z.string().max(2000).optional(),
  })
  .strict();

const ResponseFormatSchema = z.discriminatedUnion(
  "type",
  [
    z.object({ type: z.literal("text") }).strict(),
    z.object({ type: z.literal("json_object") }).strict(),
    z.object({ type: z.literal("json_schema"), json_schema: JsonSchemaFormatSchema }).strict(),
  ],
  { error: "type must be text, json_object or json_schema" },
);

export const RunParamsSchema = CommonParamsSchema.extend({
  response_format: ResponseFormatSchema.default({ type: "text" }),
}).strict();
export type RunParams = z.infer<typeof RunParamsSchema>;

export const runOperation: Operation<RunParams> = {
  name: "run",
  schema: RunParamsSchema,
  check() {},
  templates: requestTemplates,
  messages: (params, item) => buildMessages(params, { system: DEFAULT_SYSTEM_PROMPT }, item),
  format(params) {
    const format = params.response_format;
    if (format.type === "text") return { type: "text" };
    if (format.type === "json_object") return { type: "json", name: "output" };
    const { name, schema, strict } = format.json_schema;
    return { type: "json", name, schema, strict: strict ?? isStrictCompatible(schema) };
  },
  parse(params, content) {
    const format = params.response_format;
    if (format.type === "text") return { ok: true, output: content };
    return parseJsonOutput(content, format.type === "json_schema" ? format.json_schema.schema : undefined);
  },
};
