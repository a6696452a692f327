import { describe, expect, it } from "vitest";
import { fakeCalls, scriptFake, uniqueTag } from "../support/fake-llm";
import { complete, completeError } from "./helpers";

const REVIEW_FIELDS = [
  { name: "sentiment", type: "enum", valid_values: ["Positive", "Negative"], description: "overall tone" },
  { name: "score", type: "number" },
  { name: "stars", type: "integer" },
  { name: "urgent", type: "boolean" },
  { name: "topics", type: "list", valid_values: ["price", "delivery"] },
  { name: "headline", type: "string", examples: ["Late but fine"] },
];

describe("POST /api/completions/enrich", () => {
  it("returns typed fields in canonical spelling", async () => {
    const tag = uniqueTag("enrich-typed");
    await scriptFake(tag, [
      {
        content: JSON.stringify({
          sentiment: "positive",
          score: 0.75,
          stars: 4,
          urgent: false,
          topics: ["Delivery", "price", "delivery"],
          headline: "Quick delivery",
        }),
      },
    ]);

    const response = await complete("enrich", { fields: REVIEW_FIELDS, items: [{ text: `${tag} Arrived early, fair price` }] });

    expect(response.results[0].status).toBe("succeeded");
    expect(response.results[0].output).toEqual({
      sentiment: "Positive",
      score: 0.75,
      stars: 4,
      urgent: false,
      topics: ["delivery", "price"],
      headline: "Quick delivery",
    });
  });

  it("describes fields, values and examples in the prompt", async () => {
    const tag = uniqueTag("enrich-prompt");
    await complete("enrich", { fields: REVIEW_FIELDS, items: [{ text: `${tag} fine` }] });

    const [call] = await fakeCalls(tag);
    const system = call.body.messages[0].content;
    expect(system).toContain("- sentiment (enum, null if unknown): overall tone. Allowed values: Positive, Negative");
    expect(system).toContain("- topics (list of strings, null if unknown). Allowed values: price, delivery");
    expect(system).toContain('- headline (string, null if unknown). Examples: "Late but fine"');
    const schema = (call.body.response_format as any).json_schema.schema;
    expect(schema.properties.sentiment).toEqual({ anyOf: [{ type: "string", enum: ["Positive", "Negative"] }, { type: "null" }] });
    expect(schema.properties.topics).toEqual({
      anyOf: [{ type: "array", items: { type: "string", enum: ["price", "delivery"] } }, { type: "null" }],
    });
  });

  it("fails a value outside valid_values", async () => {
    const tag = uniqueTag("enrich-invalid-value");
    const answer = '{"sentiment": "Mixed"}';
    await scriptFake(tag, [{ content: answer }, { content: answer }]);

    const response = await complete("enrich", { fields: REVIEW_FIELDS.slice(0, 1), items: [{ text: `${tag} meh` }] });

    expect(response.results[0].error?.code).toBe("schema_mismatch");
    expect(response.results[0].error?.message).toContain('field "sentiment": "Mixed" is not one of Positive, Negative');
  });

  it("fails a fractional integer", async () => {
    const tag = uniqueTag("enrich-integer");
    const answer = '{"stars": 3.5}';
    await scriptFake(tag, [{ content: answer }, { content: answer }]);

    const response = await complete("enrich", { fields: [{ name: "stars", type: "integer" }], items: [{ text: `${tag} ok` }] });
    expect(response.results[0].error?.message).toContain("stars: expected integer, got number");
  });

  it("overrides valid values with runtime_categories", async () => {
    const tag = uniqueTag("enrich-runtime");
    await scriptFake(tag, [{ content: '{"sentiment": "happy"}' }]);

    const response = await complete("enrich", {
      fields: REVIEW_FIELDS.slice(0, 1),
      runtime_categories: { sentiment: ["Happy", "Sad"] },
      items: [{ text: `${tag} yay` }],
    });

    expect(response.results[0].output).toEqual({ sentiment: "Happy" });
    const [call] = await fakeCalls(tag);
    expect(call.body.messages[0].content).toContain("Allowed values: Happy, Sad");
    expect(call.body.messages[0].content).not.toContain("Positive");
  });

  it("adds metadata as context on request", async () => {
    const tag = uniqueTag("enrich-context");
    const item = { text: `${tag} Box was crushed`, metadata: { region: "EU", order: { id: 7 } } };

    await complete("enrich", { fields: REVIEW_FIELDS.slice(0, 1), include_context: true, items: [item] });
    await complete("enrich", { fields: REVIEW_FIELDS.slice(0, 1), items: [item] });

    const [withContext, withoutContext] = await fakeCalls(tag);
    expect(withContext.body.messages[1].content).toBe(`${tag} Box was crushed\n\nContext:\nregion: EU\norder: {"id":7}`);
    expect(withoutContext.body.messages[1].content).toBe(`${tag} Box was crushed`);
  });

  it("accepts the name-to-type shorthand", async () => {
    const tag = uniqueTag("enrich-shorthand");
    await scriptFake(tag, [{ content: '{"language": "en", "words": 3}' }]);

    const response = await complete("enrich", { fields: { language: "string", words: "integer" }, items: [{ text: `${tag} hi there` }] });
    expect(response.results[0].output).toEqual({ language: "en", words: 3 });
  });

  it("rejects valid_values on a number field", async () => {
    const error = await completeError("enrich", {
      fields: [{ name: "score", type: "number", valid_values: ["1"] }],
      items: [{ text: "x" }],
    });
    expect(error.error.code).toBe("invalid_field");
    expect(error.error.param).toBe("fields[0].valid_values");
  });

  it("rejects runtime_categories for unknown fields", async () => {
    const error = await completeError("enrich", {
      fields: REVIEW_FIELDS.slice(0, 1),
      runtime_categories: { mood: ["a"] },
      items: [{ text: "x" }],
    });
    expect(error.error.code).toBe("unknown_field");
    expect(error.error.message).toContain('runtime_categories names "mood", which is not a field; fields are: sentiment.');
  });

  it("rejects an enum without values", async () => {
    const error = await completeError("enrich", { fields: [{ name: "tier", type: "enum" }], items: [{ text: "x" }] });
    expect(error.error.code).toBe("missing_valid_values");
  });
});
