import { describe, expect, it } from "vitest";
import { isStrictCompatible, parseJsonOutput, parseJsonText, validateJson } from "../../src/operations/json-schema";
import { fieldsFromSchema } from "../../src/operations/schema-fields";

const ORDER_SCHEMA = {
  type: "object",
  properties: {
    id: { type: "integer", minimum: 1 },
    status: { type: "string", enum: ["open", "closed"] },
    note: { anyOf: [{ type: "string", maxLength: 5 }, { type: "null" }] },
    lines: { type: "array", minItems: 1, items: { $ref: "#/$defs/line" } },
  },
  required: ["id", "status", "note", "lines"],
  additionalProperties: false,
  $defs: {
    line: {
      type: "object",
      properties: { sku: { type: "string", minLength: 1 }, qty: { type: "number", exclusiveMinimum: 0 } },
      required: ["sku", "qty"],
      additionalProperties: false,
    },
  },
};

const VALID_ORDER = { id: 3, status: "open", note: null, lines: [{ sku: "A1", qty: 0.5 }] };

describe("validateJson", () => {
  it("accepts a valid value", () => {
    expect(validateJson(VALID_ORDER, ORDER_SCHEMA)).toBeNull();
  });

  it("reports the first violation with its path", () => {
    const cases: Array<[unknown, string]> = [
      [{ ...VALID_ORDER, id: 0 }, "$.id: 0 is below the minimum 1"],
      [{ ...VALID_ORDER, id: 1.5 }, "$.id: expected integer, got number"],
      [{ ...VALID_ORDER, status: "gone" }, '$.status: "gone" is not one of ["open","closed"]'],
      [{ ...VALID_ORDER, note: "too long" }, "$.note: longer than 5 characters"],
      [{ ...VALID_ORDER, lines: [] }, "$.lines: expected at least 1 items, got 0"],
      [{ ...VALID_ORDER, lines: [{ sku: "", qty: 1 }] }, "$.lines[0].sku: shorter than 1 characters"],
      [{ ...VALID_ORDER, lines: [{ sku: "A", qty: 0 }] }, "$.lines[0].qty: 0 must be greater than 0"],
      [{ ...VALID_ORDER, extra: 1 }, '$: unexpected property "extra"'],
      [{ id: 1, status: "open", note: null }, '$: missing required property "lines"'],
      [[], "$: expected object, got array"],
    ];
    for (const [value, expected] of cases) expect(validateJson(value, ORDER_SCHEMA), expected).toBe(expected);
  });

  it("checks const and allOf", () => {
    expect(validateJson("b", { const: "a" })).toBe('$: expected "a", got "b"');
    expect(validateJson(5, { allOf: [{ type: "integer" }, { maximum: 4 }] })).toBe("$: 5 is above the maximum 4");
  });

  it("reports a dangling reference", () => {
    expect(validateJson(1, { $ref: "#/$defs/missing" })).toBe("$: the schema reference #/$defs/missing points nowhere");
  });
});

describe("isStrictCompatible", () => {
  it("accepts a closed schema", () => {
    expect(isStrictCompatible(ORDER_SCHEMA)).toBe(true);
  });

  it("rejects open or partly required objects", () => {
    expect(isStrictCompatible({ type: "object", properties: { a: { type: "string" } }, required: ["a"] })).toBe(false);
    expect(isStrictCompatible({ type: "object", properties: { a: { type: "string" } }, additionalProperties: false })).toBe(false);
    expect(isStrictCompatible({ type: "object" })).toBe(false);
    const nested = { type: "object", properties: { a: { type: "object" } }, required: ["a"], additionalProperties: false };
    expect(isStrictCompatible(nested)).toBe(false);
  });
});

describe("parseJsonText", () => {
  it("accepts one code fence", () => {
    expect(parseJsonText('```json\n{"a": 1}\n```')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseJsonText(' {"a": 1} ')).toEqual({ ok: true, value: { a: 1 } });
  });

  it("rejects truncated JSON", () => {
    const parsed = parseJsonText('{"name": "Ada", "items": ["a"');
    expect(parsed.ok).toBe(false);
  });
});

describe("parseJsonOutput", () => {
  it("requires an object without a schema", () => {
    expect(parseJsonOutput('"text"')).toMatchObject({ ok: false, code: "schema_mismatch" });
    expect(parseJsonOutput("nope")).toMatchObject({ ok: false, code: "not_json" });
    expect(parseJsonOutput('{"a": 1}')).toEqual({ ok: true, output: { a: 1 } });
  });
});

describe("fieldsFromSchema", () => {
  it("maps properties to fields", () => {
    const result = fieldsFromSchema({
      type: "object",
      properties: {
        name: { type: "string", description: "full name" },
        tier: { type: "string", enum: ["gold", "silver"] },
        tags: { type: "array", items: { type: "string" } },
        age: { type: ["integer", "null"] },
      },
      required: ["name", "age"],
    });
    expect(result).toEqual({
      ok: true,
      fields: [
        { name: "name", description: "full name", required: true, type: "string", valid_values: undefined },
        { name: "tier", description: undefined, required: false, type: "enum", valid_values: ["gold", "silver"] },
        { name: "tags", description: undefined, required: false, type: "list", valid_values: undefined },
        { name: "age", description: undefined, required: false, type: "integer", valid_values: undefined },
      ],
    });
  });

  it("rejects shapes without a field type", () => {
    expect(fieldsFromSchema({ type: "array" })).toMatchObject({ ok: false, path: ["schema"] });
    expect(fieldsFromSchema({ type: "object", properties: { n: { type: "number", enum: [1, 2] } } })).toMatchObject({
      ok: false,
      path: ["schema", "properties", "n"],
    });
    expect(fieldsFromSchema({ type: "object", properties: { "a.b": { type: "string" } } })).toMatchObject({ ok: false });
  });
});
