import { describe, expect, it } from "vitest";
import type { ChunkItem, ChunkRange } from "../../src/batch/types";
import { EXPORT_CHUNK_RANGES_PER_REQUEST } from "../../src/config/limits";
import { inputCells, nameInputColumns } from "../../src/export/input-columns";
import { type ChunkSource, InputCursor } from "../../src/export/inputs";
import { createLogger } from "../../src/log/logger";

const FIXED = ["index", "id", "status", "label", "error_code", "error_message", "raw"];

describe("nameInputColumns", () => {
  it("prefixes names taken by other columns", () => {
    const plan = {
      sources: [
        { name: "text", key: null },
        { name: "status", key: "status" },
        { name: "input.status", key: "input.status" },
        { name: "id", key: "id" },
        { name: "country", key: "country" },
      ],
      keysVary: true,
    };
    const columns = nameInputColumns(plan, FIXED);
    expect(columns.names).toEqual(["text", "input.status", "input.input.status", "input.id", "country", "other_metadata"]);
    expect(columns.keys).toEqual([null, "status", "input.status", "id", "country"]);
  });

  it("adds no other_metadata for fixed keys", () => {
    const columns = nameInputColumns({ sources: [{ name: "comment", key: null }], keysVary: false }, FIXED);
    expect(columns.names).toEqual(["comment"]);
    expect(columns.listed).toBeNull();
  });
});

describe("inputCells", () => {
  const columns = nameInputColumns(
    {
      sources: [
        { name: "text", key: null },
        { name: "a", key: "a" },
      ],
      keysVary: true,
    },
    FIXED,
  );

  it("puts unlisted keys into other_metadata", () => {
    const cells = inputCells({ text: "t", metadata: { a: 1, b: "0700", c: { n: 1 } } }, columns);
    expect(cells).toEqual(["t", 1, { b: "0700", c: { n: 1 } }]);
  });

  it("leaves absent keys and inputs empty", () => {
    expect(inputCells({ text: null, metadata: {} }, columns)).toEqual([null, null, null]);
    expect(inputCells(null, columns)).toEqual([null, null, null]);
    expect(inputCells(undefined, columns)).toEqual([null, null, null]);
  });

  it("keeps a __proto__ key as data", () => {
    const metadata = JSON.parse('{"__proto__": "p", "a": "x"}') as Record<string, unknown>;
    const cells = inputCells({ text: "t", metadata }, columns);
    expect(cells[1]).toBe("x");
    expect(JSON.stringify(cells[2])).toBe('{"__proto__":"p"}');
  });
});

/** Builds a chunk source over chunks of the given sizes that counts its calls. `missing` chunks have no object. */
function countingSource(sizes: number[], missing: number[] = []) {
  const ranges: ChunkRange[] = [];
  let start = 0;
  for (const [n, count] of sizes.entries()) {
    ranges.push({ n, start, count });
    start += count;
  }
  const calls = { rangesFrom: [] as number[], read: [] as number[] };
  const source: ChunkSource = {
    async rangesFrom(index, limit) {
      calls.rangesFrom.push(index);
      return ranges.filter((range) => range.start + range.count > index).slice(0, limit);
    },
    async read(n) {
      calls.read.push(n);
      if (missing.includes(n)) return null;
      const range = ranges[n];
      return Array.from({ length: range.count }, (_, i): ChunkItem => ({ index: range.start + i, id: `r${range.start + i}`, text: `item ${range.start + i}`, metadata: {} }));
    },
  };
  return { source, calls };
}

const log = createLogger("error");

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

describe("InputCursor", () => {
  it("reads each chunk once in order", async () => {
    const { source, calls } = countingSource([200, 150, 200]);
    const cursor = new InputCursor(source, log);
    const texts: Array<string | null> = [];
    for (let start = 0; start < 550; start += 110) {
      const inputs = await cursor.inputsFor(range(start, start + 110));
      texts.push(...inputs.map((input) => input?.text ?? null));
    }
    expect(texts).toEqual(range(0, 550).map((index) => `item ${index}`));
    expect(calls.read).toEqual([0, 1, 2]);
    expect(calls.rangesFrom).toEqual([0]);
  });

  it("starts at a later page's chunk", async () => {
    const { source, calls } = countingSource([200, 150, 200]);
    const inputs = await new InputCursor(source, log).inputsFor([400, 401]);
    expect(inputs.map((input) => input?.text)).toEqual(["item 400", "item 401"]);
    expect(calls.read).toEqual([2]);
    expect(calls.rangesFrom).toEqual([400]);
  });

  it("asks for more positions per request batch", async () => {
    const chunks = 2 * EXPORT_CHUNK_RANGES_PER_REQUEST + 10;
    const { source, calls } = countingSource(Array.from({ length: chunks }, () => 1));
    const inputs = await new InputCursor(source, log).inputsFor(range(0, chunks));
    expect(inputs.every((input, index) => input?.text === `item ${index}`)).toBe(true);
    expect(calls.rangesFrom).toEqual([0, EXPORT_CHUNK_RANGES_PER_REQUEST, 2 * EXPORT_CHUNK_RANGES_PER_REQUEST]);
  });

  it("missing chunk gives null inputs", async () => {
    const { source, calls } = countingSource([2, 2, 2], [1]);
    const inputs = await new InputCursor(source, log).inputsFor(range(0, 6));
    expect(inputs.map((input) => input?.text ?? null)).toEqual(["item 0", "item 1", null, null, "item 4", "item 5"]);
    expect(calls.read).toEqual([0, 1, 2]);
  });

  it("unknown indexes ask once per page", async () => {
    const { source, calls } = countingSource([2]);
    const cursor = new InputCursor(source, log);
    expect(await cursor.inputsFor([0, 5, 6, 7])).toEqual([{ text: "item 0", metadata: {} }, null, null, null]);
    expect(calls.rangesFrom).toEqual([0, 5]);
    expect(await cursor.inputsFor([8, 9])).toEqual([null, null]);
    expect(calls.rangesFrom).toEqual([0, 5, 8]);
  });

  it("first chunk items come from chunk 0", async () => {
    const { source } = countingSource([3, 3]);
    const items = await new InputCursor(source, log).firstChunkItems();
    expect(items.map((item) => item.index)).toEqual([0, 1, 2]);
    const { source: withoutFirst } = countingSource([3, 3], [0]);
    expect(await new InputCursor(withoutFirst, log).firstChunkItems()).toEqual([]);
  });
});
