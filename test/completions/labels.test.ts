import { describe, expect, it } from "vitest";
import { labelOperation, type LabelParams, LabelParamsSchema } from "../../src/operations/label";
import { CategoryIndex, collidingNames, normaliseAnswer, splitLabelList } from "../../src/operations/labels";

function params(body: Record<string, unknown>): LabelParams {
  return LabelParamsSchema.parse(body);
}

describe("normaliseAnswer", () => {
  it("strips allowed wrappers", () => {
    const cases: Array<[string, string]> = [
      ["  positive \n", "positive"],
      ['"positive"', "positive"],
      ["'positive'", "positive"],
      ["“positive”", "positive"],
      ["`positive`", "positive"],
      ["**positive**", "positive"],
      ["_positive_", "positive"],
      ["positive.", "positive"],
      ['"**positive.**".', "positive"],
      ["```\npositive\n```", "positive"],
      ["```text\npositive\n```", "positive"],
    ];
    for (const [raw, expected] of cases) expect(normaliseAnswer(raw), raw).toBe(expected);
  });

  it("keeps inner text and prefixes", () => {
    expect(normaliseAnswer("Label: positive")).toBe("Label: positive");
    expect(normaliseAnswer("positive, negative")).toBe("positive, negative");
    expect(normaliseAnswer("N/A")).toBe("N/A");
  });
});

describe("CategoryIndex", () => {
  const index = new CategoryIndex(["positive", "not_so_positive", "N/A", "Product Quality"]);

  it("returns the canonical spelling", () => {
    expect(index.match("POSITIVE")).toBe("positive");
    expect(index.match("n/a")).toBe("N/A");
    expect(index.match("product quality.")).toBe("Product Quality");
  });

  it("never matches a substring", () => {
    expect(index.match("not positive")).toBeUndefined();
    expect(index.match("The sentence is not_so_positive")).toBeUndefined();
    expect(index.match("positively")).toBeUndefined();
    expect(index.match("quality")).toBeUndefined();
  });
});

describe("collidingNames", () => {
  it("groups names equal after folding", () => {
    expect(collidingNames(["Billing", "billing.", "Shipping", "**shipping**", "Other"])).toEqual([
      ["Billing", "billing."],
      ["Shipping", "**shipping**"],
    ]);
  });
});

describe("splitLabelList", () => {
  it("reads each list form", () => {
    expect(splitLabelList('["a", "b"]')).toEqual(["a", "b"]);
    expect(splitLabelList("a, b; c")).toEqual(["a", "b", "c"]);
    expect(splitLabelList("- a\n* b\n1. c\n2) d")).toEqual(["a", "b", "c", "d"]);
    expect(splitLabelList("```json\n[\"a\"]\n```")).toEqual(["a"]);
  });
});

describe("label parse", () => {
  const single = params({ categories: ["positive", "not_so_positive", "negative", "N/A"] });
  const multi = params({ categories: ["shipping", "billing", "other"], multi_label: true });

  it("reads JSON and plain answers", () => {
    expect(labelOperation.parse(single, '{"label": "Negative"}')).toEqual({ ok: true, output: { label: "negative" } });
    expect(labelOperation.parse(single, "```json\n{\"label\": \"n/a\"}\n```")).toEqual({ ok: true, output: { label: "N/A" } });
    expect(labelOperation.parse(single, "not_so_positive")).toEqual({ ok: true, output: { label: "not_so_positive" } });
  });

  it("rejects answers outside the set", () => {
    for (const answer of ["neutral", "Label: positive", '{"category": "positive"}', '{"label": ["positive"]}', "positive because"]) {
      const outcome = labelOperation.parse(single, answer);
      expect(outcome.ok, answer).toBe(false);
      if (!outcome.ok) expect(outcome.code, answer).toBe("invalid_label");
    }
  });

  it("rejects null without allow_none", () => {
    expect(labelOperation.parse(single, '{"label": null}').ok).toBe(false);
    const allowNone = params({ categories: ["a"], allow_none: true });
    expect(labelOperation.parse(allowNone, '{"label": null}')).toEqual({ ok: true, output: { label: null } });
    expect(labelOperation.parse(allowNone, "None.")).toEqual({ ok: true, output: { label: null } });
  });

  it("dedupes multi-label answers", () => {
    expect(labelOperation.parse(multi, '{"labels": ["Billing", "billing", "shipping"]}')).toEqual({
      ok: true,
      output: { labels: ["billing", "shipping"] },
      warnings: [],
    });
  });

  it("fails multi-label answers with no member", () => {
    const outcome = labelOperation.parse(multi, "refunds, returns");
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.message).toContain("no answer matched a category (got: refunds, returns)");
  });
});
