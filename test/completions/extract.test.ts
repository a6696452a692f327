import { describe, expect, it } from "vitest";
import shoppingNoteCompletions from "../fixtures/sync/shopping-note-completions.json";
import shoppingNoteRequest from "../fixtures/sync/shopping-note-request.json";
import { fakeCalls, scriptFake, uniqueTag } from "../support/fake-llm";
import { complete, completeError, itemKey, resultFor, taggedText } from "./helpers";

const CITY_FIELDS = [
  { name: "city", description: "the city named in the text" },
  { name: "zip", type: "string" },
  { name: "year", type: "integer", required: true },
];

describe("POST /api/completions/extract", () => {
  it("returns exactly the requested keys", async () => {
    const tag = uniqueTag("extract-keys");
    await scriptFake(tag, [{ content: '{"city": "Oslo", "year": 2020, "country": "Norway"}' }]);

    const response = await complete("extract", { fields: CITY_FIELDS, items: [{ text: `${tag} Oslo, 2020` }] });

    const result = response.results[0];
    expect(result.status).toBe("succeeded");
    expect(result.output).toEqual({ city: "Oslo", zip: null, year: 2020 });
    expect(result.warnings).toEqual(['dropped undeclared field "country"']);
  });

  it("sends a strict schema with nullable optional fields", async () => {
    const tag = uniqueTag("extract-schema-sent");
    await complete("extract", { fields: CITY_FIELDS, items: [{ text: `${tag} Oslo` }] });

    const [call] = await fakeCalls(tag);
    const format = call.body.response_format as any;
    expect(format.type).toBe("json_schema");
    expect(format.json_schema.strict).toBe(true);
    expect(format.json_schema.schema).toEqual({
      type: "object",
      properties: {
        city: { anyOf: [{ type: "string" }, { type: "null" }] },
        zip: { anyOf: [{ type: "string" }, { type: "null" }] },
        year: { type: "integer" },
      },
      required: ["city", "zip", "year"],
      additionalProperties: false,
    });
    expect(call.body.messages[0].content).toContain("- city (string, null if unknown): the city named in the text");
    expect(call.body.messages[0].content).toContain("- year (integer, required)");
  });

  it("accepts a fenced JSON answer", async () => {
    const tag = uniqueTag("extract-fenced");
    await scriptFake(tag, [{ content: '```json\n{"city": null, "zip": "0150", "year": 1999}\n```' }]);

    const response = await complete("extract", { fields: CITY_FIELDS, items: [{ text: `${tag} 0150` }] });
    expect(response.results[0].output).toEqual({ city: null, zip: "0150", year: 1999 });
  });

  it("fails a missing required field after repair", async () => {
    const tag = uniqueTag("extract-required");
    const answer = '{"city": "Oslo", "zip": null, "year": null}';
    await scriptFake(tag, [{ content: answer }, { content: answer }]);

    const response = await complete("extract", { fields: CITY_FIELDS, items: [{ text: `${tag} Oslo` }] });

    const result = response.results[0];
    expect(result.status).toBe("failed");
    expect(result.error?.code).toBe("schema_mismatch");
    expect(result.error?.message).toBe('required field "year" is missing or null (after one repair attempt)');
    expect(result.raw).toBe(answer);
    expect(result.model_calls).toBe(2);
  });

  it("fails a wrongly typed value after repair", async () => {
    const tag = uniqueTag("extract-type");
    const answer = '{"city": "Oslo", "zip": null, "year": "2020"}';
    await scriptFake(tag, [{ content: answer }, { content: answer }]);

    const response = await complete("extract", { fields: CITY_FIELDS, items: [{ text: `${tag} Oslo` }] });
    expect(response.results[0].error?.code).toBe("schema_mismatch");
    expect(response.results[0].error?.message).toContain("year: expected integer, got string");
  });

  it("fails prose after repair as not_json", async () => {
    const tag = uniqueTag("extract-prose");
    await scriptFake(tag, [{ content: "The city is Oslo." }, { content: "Oslo, 2020." }]);

    const response = await complete("extract", { fields: CITY_FIELDS, items: [{ text: `${tag} Oslo` }] });

    const result = response.results[0];
    expect(result.error?.code).toBe("not_json");
    expect(result.raw).toBe("Oslo, 2020.");
    const calls = await fakeCalls(tag);
    expect(calls[1].body.messages.at(-1)?.content).toContain("output is not valid JSON");
  });

  it("turns a JSON schema into fields", async () => {
    const tag = uniqueTag("extract-json-schema");
    await scriptFake(tag, [{ content: '{"name": "Ada", "items": ["tea"], "size": "small"}' }]);

    const response = await complete("extract", {
      schema: {
        type: "object",
        properties: {
          name: { type: "string" },
          items: { type: "array", items: { type: "string" } },
          size: { type: "string", enum: ["Small", "Large"] },
          note: { type: ["string", "null"], description: "anything else" },
        },
        required: ["name", "items"],
      },
      items: [{ text: `${tag} Ada buys tea` }],
    });

    expect(response.results[0].output).toEqual({ name: "Ada", items: ["tea"], size: "Small", note: null });
    const [call] = await fakeCalls(tag);
    expect((call.body.response_format as any).json_schema.schema.properties.items).toEqual({ type: "array", items: { type: "string" } });
  });

  it("sends a free-form object field without strict", async () => {
    const tag = uniqueTag("extract-object");
    await complete("extract", { fields: [{ name: "address", type: "object" }], items: [{ text: `${tag} 1 Main St` }] });

    const [call] = await fakeCalls(tag);
    expect((call.body.response_format as any).json_schema.strict).toBe(false);
  });

  it("rejects an unsupported schema property", async () => {
    const error = await completeError("extract", {
      schema: { type: "object", properties: { lines: { type: "array", items: { type: "object" } } } },
      items: [{ text: "x" }],
    });
    expect(error.error.param).toBe("schema.properties.lines");
    expect(error.error.message).toContain("use the run operation with a json_schema response_format");
  });

  it("rejects both fields and schema", async () => {
    const error = await completeError("extract", {
      fields: [{ name: "a" }],
      schema: { type: "object", properties: { a: { type: "string" } } },
      items: [{ text: "x" }],
    });
    expect(error.error.message).toContain('send either "fields" or "schema", not both and not neither');
  });

  it("rejects duplicate field names", async () => {
    const error = await completeError("extract", { fields: [{ name: "a" }, { name: "a", type: "number" }], items: [{ text: "x" }] });
    expect(error.error.code).toBe("duplicate_field");
  });

  it("classifies truncated, refused, filtered and empty answers", async () => {
    const tag = uniqueTag("extract-finish");
    for (const recorded of shoppingNoteCompletions) {
      await scriptFake(itemKey(tag, recorded.item), [{ completion: recorded.response }, { completion: recorded.response }]);
    }
    const request = {
      ...shoppingNoteRequest,
      items: shoppingNoteRequest.items.map((item) => ({ ...item, text: taggedText(tag, item.id, item.text) })),
    };

    const response = await complete("extract", request);

    const expected: Record<string, { code: string; raw: string | null; refusal: string | null }> = {
      f1: { code: "truncated", raw: '{"name": "Ada Quill", "items": ["lettuce", "carrot"', refusal: null },
      f2: { code: "refused", raw: null, refusal: "I can't help with that request." },
      f3: { code: "refused", raw: "", refusal: "I can't help with that." },
      f4: { code: "content_filtered", raw: null, refusal: null },
      f5: { code: "empty_output", raw: "", refusal: null },
      f6: { code: "empty_output", raw: "  \n", refusal: null },
      f7: { code: "truncated", raw: "billing", refusal: null },
    };
    for (const [id, want] of Object.entries(expected)) {
      const result = resultFor(response, id);
      expect(result.status, id).toBe("failed");
      expect(result.error?.code, id).toBe(want.code);
      expect(result.output, id).toBeNull();
      expect(result.raw, id).toBe(want.raw);
      expect(result.refusal, id).toBe(want.refusal);
      expect(result.model_calls, id).toBe(1);
      expect(await fakeCalls(itemKey(tag, id)), id).toHaveLength(1);
    }

    const control = resultFor(response, "f8");
    expect(control.status).toBe("succeeded");
    expect(control.output).toEqual({ name: "Bo Lindqvist", items: [] });
    expect(response.totals).toMatchObject({ items: 8, succeeded: 1, failed: 7 });

    const [call] = await fakeCalls(itemKey(tag, "f1"));
    expect(call.body.max_tokens).toBe(20);
  });
});
