// run: any system prompt, user template and response format.
import { z } from "zod";
import { parseJsonText, validateJson } from "./json-schema";
import { buildMessages, requestTemplates } from "./prompt";
import { CommonParamsSchema, type Operation } from "./types";

const DEFAULT_SYSTEM_PROMPT = "You are a precise assistant. Follow the user's request exactly and reply with the answer only.";

const ResponseFormatSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text") }).strict(),
  z.object({ type: z.literal("json_object") }).strict(),
  z
    .object({
      type: z.literal("json_schema"),
      json_schema: z
        .object({
          name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).default("output"),
          schema: z.record(z.string(), z.unknown()),
          strict: z.boolean().optional(),
          description: z.string().optional(),
        })
        .strict(),
    })
    .strict(),
]);

export const RunParamsSchema = CommonParamsSchema.extend({
  response_format: ResponseFormatSchema.default({ type: "text" }),
}).strict();
export type RunParams = z.infer<typeof RunParamsSchema>;

export const runOperation: Operation<RunParams> = {
  name: "run",
  schema: RunParamsSchema,
  check() {},
  templates: requestTemplates,
  messages: (params, item) => buildMessages(params, DEFAULT_SYSTEM_PROMPT, item),
  format(params) {
    const format = params.response_format;
    if (format.type === "text") return { type: "text" };
    if (format.type === "json_object") return { type: "json", name: "output" };
    return { type: "json", name: format.json_schema.name, schema: format.json_schema.schema };
  },
  parse(params, content) {
    const format = params.response_format;
    if (format.type === "text") return { ok: true, output: content };
    const parsed = parseJsonText(content);
    if (!parsed.ok) return { ok: false, code: "not_json", message: parsed.message };
    if (format.type === "json_schema") {
      const error = validateJson(parsed.value, format.json_schema.schema);
      if (error) return { ok: false, code: "schema_mismatch", message: error };
    } else if (parsed.value === null || typeof parsed.value !== "object" || Array.isArray(parsed.value)) {
      return { ok: false, code: "schema_mismatch", message: "expected a JSON object" };
    }
    return { ok: true, output: parsed.value };
  },
};
