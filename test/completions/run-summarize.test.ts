import { describe, expect, it } from "vitest";
import { fakeCalls, scriptFake, uniqueTag } from "../support/fake-llm";
import { complete, completeError } from "./helpers";

const PERSON_SCHEMA = {
  type: "object",
  properties: {
    name: { type: "string" },
    age: { type: "integer", minimum: 0 },
  },
  required: ["name", "age"],
  additionalProperties: false,
};

describe("POST /api/completions/run", () => {
  it("returns text with the request's prompts", async () => {
    const tag = uniqueTag("run-text");
    await scriptFake(tag, [{ content: "Bonjour" }]);

    const response = await complete("run", {
      system_prompt: "You translate to {language}.",
      user_prompt_template: "Translate: {text}",
      items: [{ text: `${tag} Hello`, metadata: { language: "French" } }],
    });

    expect(response.results[0].output).toBe("Bonjour");
    const [call] = await fakeCalls(tag);
    expect(call.body.messages).toEqual([
      { role: "system", content: "You translate to French." },
      { role: "user", content: `Translate: ${tag} Hello` },
    ]);
    expect(call.body.response_format).toBeUndefined();
  });

  it("returns a JSON object for json_object", async () => {
    const tag = uniqueTag("run-json-object");
    await scriptFake(tag, [{ content: '{"answer": 42}' }]);

    const response = await complete("run", { response_format: { type: "json_object" }, items: [{ text: `${tag} question` }] });

    expect(response.results[0].output).toEqual({ answer: 42 });
    const [call] = await fakeCalls(tag);
    expect(call.body.response_format).toEqual({ type: "json_object" });
    expect(call.body.messages.some((message) => message.content.includes("JSON"))).toBe(true);
  });

  it("fails a JSON array for json_object", async () => {
    const tag = uniqueTag("run-json-array");
    await scriptFake(tag, [{ content: "[1, 2]" }, { content: "[1, 2]" }]);

    const response = await complete("run", { response_format: { type: "json_object" }, items: [{ text: `${tag} list` }] });
    expect(response.results[0].error?.code).toBe("schema_mismatch");
    expect(response.results[0].error?.message).toContain("expected a JSON object, got array");
  });

  it("sends a strict json_schema and validates it", async () => {
    const tag = uniqueTag("run-json-schema");
    await scriptFake(tag, [{ content: '{"name": "Ada", "age": 36}' }]);

    const response = await complete("run", {
      response_format: { type: "json_schema", json_schema: { name: "person", schema: PERSON_SCHEMA } },
      items: [{ text: `${tag} Ada, 36` }],
    });

    expect(response.results[0].output).toEqual({ name: "Ada", age: 36 });
    const [call] = await fakeCalls(tag);
    expect(call.body.response_format).toEqual({
      type: "json_schema",
      json_schema: { name: "person", strict: true, schema: PERSON_SCHEMA },
    });
  });

  it("repairs a schema mismatch once", async () => {
    const tag = uniqueTag("run-schema-repair");
    await scriptFake(tag, [{ content: '{"name": "Ada", "age": -1}' }, { content: '{"name": "Ada", "age": 36}' }]);

    const response = await complete("run", {
      response_format: { type: "json_schema", json_schema: { name: "person", schema: PERSON_SCHEMA } },
      items: [{ text: `${tag} Ada` }],
    });

    expect(response.results[0].output).toEqual({ name: "Ada", age: 36 });
    expect(response.results[0].model_calls).toBe(2);
    const calls = await fakeCalls(tag);
    expect(calls[1].body.messages.at(-1)?.content).toContain("$.age: -1 is below the minimum 0");
  });

  it("keeps strict off for a loose schema", async () => {
    const tag = uniqueTag("run-loose-schema");
    await complete("run", {
      response_format: { type: "json_schema", json_schema: { schema: { type: "object", properties: { a: { type: "string" } } } } },
      items: [{ text: `${tag} x` }],
    });

    const [call] = await fakeCalls(tag);
    expect((call.body.response_format as any).json_schema).toMatchObject({ name: "output", strict: false });
  });

  it("passes an explicit strict flag", async () => {
    const tag = uniqueTag("run-strict-flag");
    await complete("run", {
      response_format: { type: "json_schema", json_schema: { name: "person", schema: PERSON_SCHEMA, strict: false } },
      items: [{ text: `${tag} x` }],
    });

    const [call] = await fakeCalls(tag);
    expect((call.body.response_format as any).json_schema.strict).toBe(false);
  });

  it("rejects a bad json_schema name", async () => {
    const error = await completeError("run", {
      response_format: { type: "json_schema", json_schema: { name: "my schema!", schema: PERSON_SCHEMA } },
      items: [{ text: "x" }],
    });
    expect(error.error.message).toContain("response_format.json_schema.name: must be 1 to 64 letters, digits, _ or -");
  });
});

describe("POST /api/completions/summarize", () => {
  it("returns a summary with a word limit", async () => {
    const tag = uniqueTag("summarize-text");
    await scriptFake(tag, [{ content: "  Shipment delayed by two days.  " }]);

    const response = await complete("summarize", { max_words: 10, items: [{ text: `${tag} long story` }] });

    expect(response.results[0].output).toEqual({ summary: "Shipment delayed by two days." });
    expect(response.results[0].warnings).toEqual([]);
    const [call] = await fakeCalls(tag);
    expect(call.body.messages[0].content).toContain("Use at most 10 words.");
  });

  it("warns when the summary is over max_words", async () => {
    const tag = uniqueTag("summarize-long");
    await scriptFake(tag, [{ content: "one two three four five" }]);

    const response = await complete("summarize", { max_words: 3, items: [{ text: `${tag} story` }] });

    expect(response.results[0].status).toBe("succeeded");
    expect(response.results[0].warnings).toEqual(["summary has 5 words, over max_words 3"]);
  });

  it("returns an object for json_object", async () => {
    const tag = uniqueTag("summarize-json");
    await scriptFake(tag, [{ content: '{"summary": "Late parcel", "sentiment": "negative"}' }]);

    const response = await complete("summarize", {
      response_format: { type: "json_object" },
      instructions: "Mention the carrier.",
      items: [{ text: `${tag} parcel story` }],
    });

    expect(response.results[0].output).toEqual({ summary: "Late parcel", sentiment: "negative" });
    const [call] = await fakeCalls(tag);
    expect(call.body.response_format).toEqual({ type: "json_object" });
    expect(call.body.messages[0].content).toContain("Reply with a JSON object only");
    expect(call.body.messages[0].content).toContain("Additional instructions:\nMention the carrier.");
  });

  it("rejects json_schema as a summary format", async () => {
    const error = await completeError("summarize", { response_format: { type: "json_schema" }, items: [{ text: "x" }] });
    expect(error.error.message).toContain("response_format.type: must be text or json_object");
  });
});
