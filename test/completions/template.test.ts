import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/errors";
import type { PreparedItem } from "../../src/operations/items";
import { assertPlaceholdersFilled, missingPlaceholders, placeholdersOf, renderTemplate, renderValue, templateFields } from "../../src/operations/template";

function item(index: number, metadata: Record<string, unknown>, text: string | null = "body text"): PreparedItem {
  return { index, id: `id-${index}`, text, metadata };
}

function thrown(run: () => void): ApiError {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error("expected an ApiError");
}

describe("placeholdersOf", () => {
  it("finds identifiers only", () => {
    expect(placeholdersOf('Hi {name}, {"label": "x"} {1; 2} { spaced } {a-b} {_x9}')).toEqual(["name", "_x9"]);
  });

  it("skips doubled braces", () => {
    expect(placeholdersOf("{{name}} {other}")).toEqual(["other"]);
  });

  it("lists each name once", () => {
    expect(placeholdersOf("{a}{b}{a}")).toEqual(["a", "b"]);
  });
});

describe("renderTemplate", () => {
  it("fills in one pass", () => {
    expect(renderTemplate("{a} and {b}", { a: "{b}", b: "B" })).toBe("{b} and B");
  });

  it("writes doubled braces as single", () => {
    expect(renderTemplate("{{a}} is {a}", { a: "1" })).toBe("{a} is 1");
  });

  it("leaves JSON examples alone", () => {
    expect(renderTemplate('Answer {"label": "x"} for {text}', { text: "t" })).toBe('Answer {"label": "x"} for t');
  });

  it("matches names case-sensitively", () => {
    expect(renderTemplate("{Name}/{name}", { name: "n" })).toBe("{Name}/n");
  });

  it("keeps dollar signs in values", () => {
    expect(renderTemplate("{v}", { v: "$& $1 ${x}" })).toBe("$& $1 ${x}");
  });
});

describe("renderValue", () => {
  it("renders each JSON type", () => {
    expect(renderValue(null)).toBe("");
    expect(renderValue(undefined)).toBe("");
    expect(renderValue("s")).toBe("s");
    expect(renderValue(42)).toBe("42");
    expect(renderValue(false)).toBe("false");
    expect(renderValue({ a: [1] })).toBe('{"a":[1]}');
  });
});

describe("templateFields", () => {
  it("lets id and text win over metadata", () => {
    expect(templateFields(item(0, { id: "meta", text: "meta", x: 1 }))).toEqual({ id: "id-0", text: "body text", x: 1 });
  });

  it("omits text when the item has none", () => {
    expect(Object.keys(templateFields(item(0, { x: 1 }, null))).sort()).toEqual(["id", "x"]);
  });
});

describe("assertPlaceholdersFilled", () => {
  const templates = [{ param: "user_prompt_template", template: "{subject}: {body} {Subject}" }];

  it("maps placeholders to missing indexes", () => {
    const missing = missingPlaceholders(templates, [item(0, { subject: "a", body: "b" }), item(1, { subject: "c" })]);
    expect(missing.get("body")).toEqual([1]);
    expect(missing.get("Subject")).toEqual([0, 1]);
    expect(missing.has("subject")).toBe(false);
  });

  it("throws a 400 naming unknown and partial fields", () => {
    const error = thrown(() => assertPlaceholdersFilled(templates, [item(0, { subject: "a", body: "b" }), item(1, { subject: "c" })]));
    expect(error.status).toBe(400);
    expect(error.code).toBe("missing_placeholder");
    expect(error.message).toContain("unknown placeholder(s) {Subject}");
    expect(error.message).toContain("placeholder {body} missing in items [1]");
    expect(error.message).toContain("Available fields: body, id, subject, text.");
  });

  it("passes when every item has every field", () => {
    expect(() => assertPlaceholdersFilled(templates.slice(0, 0), [item(0, {})])).not.toThrow();
    const full = [{ param: "user_prompt_template", template: "{subject} {text} {id}" }];
    expect(() => assertPlaceholdersFilled(full, [item(0, { subject: "s" })])).not.toThrow();
  });

  it("caps the listed indexes", () => {
    const items = Array.from({ length: 30 }, (_, index) => item(index, index === 0 ? { x: 1 } : {}));
    const error = thrown(() => assertPlaceholdersFilled([{ param: "system_prompt", template: "{x}" }], items));
    expect(error.message).toContain("missing in items [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, ... (29 items)]");
    expect(error.options.param).toBe("system_prompt");
  });
});
