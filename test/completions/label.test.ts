import { describe, expect, it } from "vitest";
import sentimentCompletions from "../fixtures/sync/sentiment-completions.json";
import sentimentRequest from "../fixtures/sync/sentiment-request.json";
import topicCompletions from "../fixtures/sync/ticket-topics-completions.json";
import topicRequest from "../fixtures/sync/ticket-topics-request.json";
import { fakeCalls, scriptFake, uniqueTag } from "../support/fake-llm";
import { complete, completeError, itemKey, resultFor, taggedText } from "./helpers";

interface RecordedCompletion {
  item: string;
  response: unknown;
}

/** Tags the request's item texts and scripts each item's raw completion twice: answer and repair. */
async function replay(request: { items: Array<{ id: string; text: string }> }, completions: RecordedCompletion[], tag: string) {
  for (const recorded of completions) {
    await scriptFake(itemKey(tag, recorded.item), [{ completion: recorded.response }, { completion: recorded.response }]);
  }
  return { ...request, items: request.items.map((item) => ({ ...item, text: taggedText(tag, item.id, item.text) })) };
}

describe("POST /api/completions/label", () => {
  it("labels items with category members", async () => {
    const tag = uniqueTag("label-basic");
    const response = await complete("label", {
      categories: ["billing", "shipping", { name: "other", description: "anything else" }],
      items: [
        { id: "a", text: `${tag} I was charged twice` },
        { text: `${tag} Where is my parcel?` },
      ],
    });

    expect(response.results.map((result) => result.id)).toEqual(["a", "1"]);
    for (const result of response.results) {
      expect(result.status).toBe("succeeded");
      expect(["billing", "shipping", "other"]).toContain((result.output as { label: string }).label);
    }
    expect(response.totals.succeeded).toBe(2);
    expect(response.totals.failed).toBe(0);
  });

  it("sends categories as a strict enum", async () => {
    const tag = uniqueTag("label-schema");
    await complete("label", {
      categories: ["billing", { name: "shipping", description: "parcels and delivery" }],
      items: [{ text: `${tag} Where is my parcel?` }],
    });

    const [call] = await fakeCalls(tag);
    const format = call.body.response_format as any;
    expect(format.type).toBe("json_schema");
    expect(format.json_schema.strict).toBe(true);
    expect(format.json_schema.schema.properties.label.enum).toEqual(["billing", "shipping"]);
    expect(call.body.messages[0].content).toContain("- shipping: parcels and delivery");
  });

  it("maps raw single-label answers to canonical categories", async () => {
    const tag = uniqueTag("label-single");
    const response = await complete("label", await replay(sentimentRequest, sentimentCompletions, tag));

    const expected: Record<string, string> = { c1: "positive", c2: "not_so_positive", c3: "negative", c9: "N/A", c10: "negative" };
    for (const [id, label] of Object.entries(expected)) {
      const result = resultFor(response, id);
      expect(result.status, id).toBe("succeeded");
      expect(result.output, id).toEqual({ label });
      expect(result.model_calls, id).toBe(1);
    }
    expect(response.totals.succeeded).toBe(5);
    expect(response.totals.failed).toBe(5);
  });

  it("rejects out-of-set single-label answers", async () => {
    const tag = uniqueTag("label-invalid");
    const response = await complete("label", await replay(sentimentRequest, sentimentCompletions, tag));

    const raw: Record<string, string> = {
      c4: "The sentence is not_so_positive.",
      c5: "Label: NOT_SO_POSITIVE",
      c6: "neutral",
      c7: "positive, negative",
    };
    for (const [id, content] of Object.entries(raw)) {
      const result = resultFor(response, id);
      expect(result.status, id).toBe("failed");
      expect(result.error?.code, id).toBe("invalid_label");
      expect(result.output, id).toBeNull();
      expect(result.raw, id).toBe(content);
      expect(result.model_calls, id).toBe(2);
      expect(result.usage, id).toEqual({ prompt_tokens: 100, completion_tokens: 10 });
    }
    expect(resultFor(response, "c7").error?.message).toContain("expected exactly one category");
  });

  it("fails an empty answer without repair", async () => {
    const tag = uniqueTag("label-empty");
    const response = await complete("label", await replay(sentimentRequest, sentimentCompletions, tag));

    const result = resultFor(response, "c8");
    expect(result.status).toBe("failed");
    expect(result.error?.code).toBe("empty_output");
    expect(result.model_calls).toBe(1);
    expect(await fakeCalls(itemKey(tag, "c8"))).toHaveLength(1);
  });

  it("shows the model its error in the repair call", async () => {
    const tag = uniqueTag("label-repair");
    const key = itemKey(tag, "r1");
    await scriptFake(key, [{ content: "neutral" }, { content: "**Negative**" }]);

    const response = await complete("label", {
      categories: ["positive", "negative"],
      items: [{ id: "r1", text: taggedText(tag, "r1", "Could be better") }],
    });

    const result = resultFor(response, "r1");
    expect(result.status).toBe("succeeded");
    expect(result.output).toEqual({ label: "negative" });
    expect(result.model_calls).toBe(2);
    const calls = await fakeCalls(key);
    expect(calls).toHaveLength(2);
    const repair = calls[1].body.messages;
    expect(repair.at(-2)).toEqual({ role: "assistant", content: "neutral" });
    expect(repair.at(-1)?.content).toContain('"neutral" is not one of the categories: positive, negative');
  });

  it("maps raw multi-label answers to category sets", async () => {
    const tag = uniqueTag("label-multi");
    const response = await complete("label", await replay(topicRequest, topicCompletions, tag));

    const labelsOf = (id: string) => new Set((resultFor(response, id).output as { labels: string[] }).labels);
    expect(labelsOf("m1")).toEqual(new Set(["billing", "shipping"]));
    expect(labelsOf("m2")).toEqual(new Set(["shipping", "product quality"]));
    expect((resultFor(response, "m2").output as { labels: string[] }).labels).toHaveLength(2);
    expect(labelsOf("m3")).toEqual(new Set(["billing"]));
    expect(resultFor(response, "m3").warnings).toEqual(['dropped label "refunds": not one of the categories']);
    expect(labelsOf("m4")).toEqual(new Set(["product quality", "other"]));

    const none = resultFor(response, "m5");
    expect(none.status).toBe("failed");
    expect(none.error?.code).toBe("invalid_label");
    expect(none.raw).toBe("none");
  });

  it("accepts none when allow_none is set", async () => {
    const tag = uniqueTag("label-none");
    const request = await replay(topicRequest, topicCompletions, tag);
    const response = await complete("label", { ...request, allow_none: true });

    const none = resultFor(response, "m5");
    expect(none.status).toBe("succeeded");
    expect(none.output).toEqual({ labels: [] });
  });

  it("accepts null single label with allow_none", async () => {
    const tag = uniqueTag("label-null");
    await scriptFake(tag, [{ content: '{"label": null}' }]);

    const response = await complete("label", {
      categories: ["billing", "shipping"],
      allow_none: true,
      items: [{ text: `${tag} Hello there` }],
    });

    expect(response.results[0].output).toEqual({ label: null });
    const [call] = await fakeCalls(tag);
    const schema = (call.body.response_format as any).json_schema.schema;
    expect(schema.properties.label.anyOf).toEqual([{ type: "string", enum: ["billing", "shipping"] }, { type: "null" }]);
  });

  it("keeps categories with a system_prompt override", async () => {
    const tag = uniqueTag("label-override");
    await complete("label", {
      categories: ["urgent", "routine"],
      system_prompt: "You triage hospital tickets for team {team}.",
      user_prompt_template: "Ticket: {text}",
      instructions: "Prefer routine when unsure.",
      items: [{ text: `${tag} printer jam`, metadata: { team: "radiology" } }],
    });

    const [call] = await fakeCalls(tag);
    const [system, user] = call.body.messages;
    expect(system.content.startsWith("You triage hospital tickets for team radiology.")).toBe(true);
    expect(system.content).toContain("Categories:\n- urgent\n- routine");
    expect(system.content).toContain("Additional instructions:\nPrefer routine when unsure.");
    expect(user.content).toBe(`Ticket: ${tag} printer jam`);
  });

  it("rejects categories that collide", async () => {
    const error = await completeError("label", { categories: ["Billing", "billing "], items: [{ text: "x" }] });
    expect(error.error.code).toBe("duplicate_categories");
    expect(error.error.message).toContain("Billing / billing");
  });

  it("rejects a malformed category", async () => {
    const error = await completeError("label", { categories: ["ok", { name: "x", colour: "red" }, 5], items: [{ text: "x" }] });
    expect(error.error.message).toContain('categories[1]: unknown field(s) "colour"');
    expect(error.error.message).toContain('categories[2]: must be a category name or an object {"name", "description"}');
  });

  it("retries a 429 after retry-after-ms", async () => {
    const tag = uniqueTag("label-429");
    await scriptFake(tag, [{ status: 429, headers: { "retry-after-ms": "50" } }, { content: '{"label":"billing"}' }]);

    const response = await complete("label", {
      categories: ["billing", "shipping"],
      items: [{ id: "x", text: `${tag} charged twice` }],
    });

    expect(response.results[0].output).toEqual({ label: "billing" });
    expect(await fakeCalls(tag)).toHaveLength(2);
  });
});
