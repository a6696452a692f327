import { describe, expect, it } from "vitest";
import { ErrorBodySchema } from "../../src/api/schemas";
import { MAX_ITEM_TEXT_CHARS, MAX_SYNC_ITEMS } from "../../src/config/limits";
import { OPERATION_NAMES } from "../../src/operations/types";
import { apiFetch, callApi, postJson } from "../support/api";
import { fakeCalls, uniqueTag } from "../support/fake-llm";
import { complete, completeError } from "./helpers";


/** The smallest valid parameters of each operation. */
const MINIMAL_PARAMS: Record<string, Record<string, unknown>> = {
  label: { categories: ["a", "b"] },
  summarize: {},
  extract: { fields: [{ name: "city" }] },
  enrich: { fields: [{ name: "tone", type: "enum", valid_values: ["calm", "angry"] }] },
  run: {},
};

describe("sync request validation", () => {
  it("accepts exactly the item limit", async () => {
    const tag = uniqueTag("limit-50");
    const items = Array.from({ length: MAX_SYNC_ITEMS }, (_, index) => ({ text: `${tag} item ${index}` }));
    const response = await complete("summarize", { items });

    expect(response.results).toHaveLength(MAX_SYNC_ITEMS);
    expect(response.totals.succeeded).toBe(MAX_SYNC_ITEMS);
    expect(response.results.map((result) => result.index)).toEqual(items.map((_, index) => index));
  });

  it("points one item over the limit to batches", async () => {
    const tag = uniqueTag("limit-51");
    const items = Array.from({ length: MAX_SYNC_ITEMS + 1 }, (_, index) => ({ text: `${tag} item ${index}` }));
    const error = await completeError("summarize", { items });

    expect(error.error.code).toBe("too_many_items");
    expect(error.error.param).toBe("items");
    expect(error.error.message).toContain("POST /api/batches");
    expect(error.error.details).toEqual({ max_items: MAX_SYNC_ITEMS, received: MAX_SYNC_ITEMS + 1 });
    expect(await fakeCalls(tag)).toHaveLength(0);
  });

  it("uses the index as default id", async () => {
    const tag = uniqueTag("default-ids");
    const response = await complete("summarize", {
      items: [{ text: `${tag} a` }, { id: "x", text: `${tag} b` }, { id: 7, text: `${tag} c` }],
    });
    expect(response.results.map((result) => result.id)).toEqual(["0", "x", "7"]);
  });

  it("rejects duplicate ids naming them", async () => {
    const error = await completeError("summarize", {
      items: [{ id: "a", text: "1" }, { id: "a", text: "2" }, { id: "3", text: "3" }, { text: "4" }, { id: 2, text: "5" }],
    });
    expect(error.error.code).toBe("invalid_items");
    expect(error.error.message).toContain('id "a" is used by items at indexes 0, 1');
    expect(error.error.message).toContain('id "3" is used by items at indexes 2, 3 (items without an id use their index as id: 3)');
    expect(error.error.message).not.toContain('id "2"');
  });

  it("rejects empty ids naming them", async () => {
    const error = await completeError("summarize", { items: [{ id: "", text: "1" }, { id: "  ", text: "2" }] });
    expect(error.error.code).toBe("invalid_items");
    expect(error.error.message).toContain("items[0].id is empty");
    expect(error.error.message).toContain("items[1].id is empty");
  });

  it("rejects items with text and content", async () => {
    const error = await completeError("summarize", { items: [{ text: "a", content: "b" }] });
    expect(error.error.message).toContain("items[0] has both text and content");
  });

  it("accepts content in place of text", async () => {
    const tag = uniqueTag("content-field");
    await complete("summarize", { items: [{ content: `${tag} from content` }] });
    const [call] = await fakeCalls(tag);
    expect(call.body.messages[1].content).toBe(`${tag} from content`);
  });

  it("rejects unknown top-level fields", async () => {
    for (const operation of OPERATION_NAMES) {
      const error = await completeError(operation, { ...MINIMAL_PARAMS[operation], temprature: 0.2, items: [{ text: "x" }] });
      expect(error.error.code, operation).toBe("invalid_request");
      expect(error.error.param, operation).toBe("temprature");
      expect(error.error.message, operation).toContain('unknown field(s) "temprature"; remove them or check the spelling');
    }
  });

  it("rejects unknown item fields", async () => {
    const error = await completeError("summarize", { items: [{ text: "x", txt: "y" }] });
    expect(error.error.message).toContain('items[0]: unknown field(s) "txt"');
  });

  it("rejects wrong types naming the field", async () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ["label", { categories: "billing", items: [{ text: "x" }] }, "categories: Invalid input: expected array, received string"],
      ["label", { categories: ["a"], multi_label: "yes", items: [{ text: "x" }] }, "multi_label: Invalid input: expected boolean"],
      ["summarize", { max_words: -3, items: [{ text: "x" }] }, "max_words: Too small"],
      ["summarize", { temperature: 3, items: [{ text: "x" }] }, "temperature: Too big"],
      ["summarize", { items: [{ text: 12 }] }, "items[0].text: Invalid input: expected string, received number"],
      ["summarize", { items: [{ text: "x", metadata: [1] }] }, "items[0].metadata: Invalid input: expected record"],
      ["summarize", { items: [{ id: { a: 1 }, text: "x" }] }, "items[0].id: must be a string or a number"],
      ["summarize", { items: "x" }, "items must be an array"],
      ["summarize", {}, "items is missing"],
      ["label", { items: [{ text: "x" }] }, "categories: required field is missing (expected array)"],
      ["run", { response_format: { type: "xml" }, items: [{ text: "x" }] }, "response_format.type: type must be text, json_object or json_schema"],
      ["extract", { fields: [{ name: "a", type: "date" }], items: [{ text: "x" }] }, "fields[0].type: must be one of string, number"],
    ];
    for (const [operation, body, expected] of cases) {
      const error = await completeError(operation, body);
      expect(error.error.message, JSON.stringify(body)).toContain(expected);
    }
  });

  it("rejects an empty item list", async () => {
    const error = await completeError("summarize", { items: [] });
    expect(error.error.message).toContain("items: send at least one item");
  });

  it("rejects text over the length limit", async () => {
    const error = await completeError("summarize", { items: [{ text: "a".repeat(MAX_ITEM_TEXT_CHARS + 1) }] });
    expect(error.error.param).toBe("items[0].text");
    expect(error.error.message).toContain(`is longer than ${MAX_ITEM_TEXT_CHARS} characters; shorten it, split it into several items`);
  });

  it("rejects malformed JSON", async () => {
    const response = await postJson("/api/completions/label", '{"categories": ["a"], "items": [');
    expect(response.status).toBe(400);
    const body = ErrorBodySchema.parse(response.json);
    expect(body.error.code).toBe("invalid_json");
    expect(body.error.message).toContain("Request body is not valid JSON");
  });

  it("rejects an empty body", async () => {
    const response = await callApi("POST", "/api/completions/label", "", { "content-type": "application/json" });
    expect(response.status).toBe(400);
    expect(ErrorBodySchema.parse(response.json).error.message).toBe("Request body is empty. Send a JSON object.");
  });

  it("rejects a JSON array body", async () => {
    const response = await postJson("/api/completions/label", [{ text: "x" }]);
    expect(response.status).toBe(400);
    expect(ErrorBodySchema.parse(response.json).error.message).toBe("Request body must be a JSON object, got an array.");
  });

  it("rejects a wrong content type", async () => {
    const response = await callApi("POST", "/api/completions/summarize", JSON.stringify({ items: [{ text: "x" }] }), {
      "content-type": "text/plain",
    });
    expect(response.status).toBe(415);
    const body = ErrorBodySchema.parse(response.json);
    expect(body.error.code).toBe("unsupported_media_type");
    expect(body.error.message).toContain('got "text/plain"');
  });

  it("rejects a body that is not UTF-8", async () => {
    // {"i":"<0xFF 0xFE>"}: two bytes that never occur in UTF-8.
    const bytes = new Uint8Array([0x7b, 0x22, 0x69, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    const response = await apiFetch("/api/completions/summarize", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: bytes,
    });
    expect(response.status).toBe(400);
    expect(ErrorBodySchema.parse(await response.json()).error.code).toBe("invalid_encoding");
  });

  it("rejects an oversized declared body", async () => {
    const response = await callApi("POST", "/api/completions/summarize", "{}", {
      "content-type": "application/json",
      "content-length": String(50 * 1024 * 1024),
    });
    expect(response.status).toBe(413);
    expect(ErrorBodySchema.parse(response.json).error.code).toBe("payload_too_large");
  });

  it("answers JSON for an unknown operation", async () => {
    const response = await postJson("/api/completions/translate", { items: [{ text: "x" }] });
    expect(response.status).toBe(404);
    expect(ErrorBodySchema.parse(response.json).error.code).toBe("route_not_found");
  });
});
