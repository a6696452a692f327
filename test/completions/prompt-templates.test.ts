/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import ticketFields from "../fixtures/sync/ticket-fields.json";
import ticketTemplateTypo from "../fixtures/sync/ticket-template-typo.txt?raw";
import ticketTemplate from "../fixtures/sync/ticket-template.txt?raw";
import { fakeCalls, uniqueTag } from "../support/fake-llm";
import { complete, completeError } from "./helpers";

const CATEGORIES = ["billing", "bug"];

/** Ticket fields as items that carry only metadata, no text. */
function ticketItems(indexes: number[]) {
  return indexes.map((index) => ({ metadata: ticketFields[index] as Record<string, unknown> }));
}

describe("prompt templates on sync endpoints", () => {
  it("rejects a field some items lack", async () => {
    const tag = uniqueTag("template-missing");
    const error = await completeError("label", {
      categories: CATEGORIES,
      user_prompt_template: `[${tag}]\n${ticketTemplate}`,
      items: ticketItems([0, 1, 2, 3, 4]),
    });

    expect(error.error.code).toBe("missing_placeholder");
    expect(error.error.param).toBe("user_prompt_template");
    expect(error.error.message).toContain("placeholder {body} missing in items [2]");
    expect(error.error.details).toMatchObject({ unknown: [], missing: { body: [2] } });
    expect(await fakeCalls(tag)).toHaveLength(0);
  });

  it("keeps braces in templates and data literal", async () => {
    const tag = uniqueTag("template-braces");
    const response = await complete("label", {
      categories: CATEGORIES,
      user_prompt_template: `[${tag}]\n${ticketTemplate}`,
      items: ticketItems([0, 1, 3, 4]),
    });
    expect(response.totals.succeeded).toBe(4);

    const prompts = (await fakeCalls(tag)).map((call) => call.body.messages[1].content);
    expect(prompts).toHaveLength(4);
    const promptFor = (subject: string) => prompts.find((prompt) => prompt.includes(`Subject: ${subject}\n`))!;

    for (const prompt of prompts) {
      expect(prompt).toContain('Answer with JSON exactly like {"label": "billing"} or {"label": "bug"}, nothing else.');
      expect(prompt).toContain("Set notation in examples such as {1; 2; 3} is literal text.");
      expect(prompt).not.toContain("undefined");
      expect(prompt).not.toContain("{body}");
    }
    expect(promptFor("Double charge")).toContain("Body: I was billed twice. My template variable looks like {subject} and {{name}}.\n");
    expect(promptFor("Crash ${version}")).toContain('Body: Stack: {"error": "NullPointer", "at": "{line}"}\n');
    expect(promptFor("Null body")).toContain("Body: \n");
    expect(promptFor("Numbers")).toContain("Body: 42\n");
  });

  it("lists unknown placeholders and available fields", async () => {
    const tag = uniqueTag("template-typo");
    const error = await completeError("label", {
      categories: CATEGORIES,
      user_prompt_template: `[${tag}]\n${ticketTemplateTypo}`,
      items: ticketItems([0, 1, 2, 3, 4]),
    });

    expect(error.error.code).toBe("missing_placeholder");
    expect(error.error.message).toContain("unknown placeholder(s) {Subject}, {customer_name}: no item has these fields");
    expect(error.error.message).toContain("Available fields: body, id, subject.");
    expect(error.error.message).toContain("case-sensitive");
    expect(error.error.details).toMatchObject({
      unknown: ["Subject", "customer_name"],
      missing: { body: [2] },
      available: ["body", "id", "subject"],
    });
    expect(await fakeCalls(tag)).toHaveLength(0);
  });

  it("names system_prompt for its placeholders", async () => {
    const error = await completeError("run", {
      system_prompt: "You answer for {company}.",
      items: [{ text: "hello" }],
    });
    expect(error.error.code).toBe("missing_placeholder");
    expect(error.error.param).toBe("system_prompt");
    expect(error.error.message).toContain("{company}");
  });

  it("rejects items without text for {text}", async () => {
    const error = await completeError("summarize", { items: [{ text: "one" }, { metadata: { title: "two" } }] });
    expect(error.error.code).toBe("missing_placeholder");
    expect(error.error.message).toContain("placeholder {text} missing in items [1]");
    expect(error.error.message).toContain('Items without "text" or "content"');
  });

  it("writes a literal brace pair for doubled braces", async () => {
    const tag = uniqueTag("template-escape");
    await complete("run", {
      user_prompt_template: `[${tag}] Reply to {name} and keep {{name}} as it is.`,
      items: [{ metadata: { name: "Ada" } }],
    });

    const [call] = await fakeCalls(tag);
    expect(call.body.messages[1].content).toBe(`[${tag}] Reply to Ada and keep {name} as it is.`);
  });

  it("renders id, objects and lists", async () => {
    const tag = uniqueTag("template-values");
    await complete("run", {
      user_prompt_template: `[${tag}] {id}|{order}|{tags}|{paid}|{text}`,
      items: [{ id: "t-1", text: "note", metadata: { order: { total: 12.5 }, tags: ["a", "b"], paid: false } }],
    });

    const [call] = await fakeCalls(tag);
    expect(call.body.messages[1].content).toBe(`[${tag}] t-1|{"total":12.5}|["a","b"]|false|note`);
  });
});
