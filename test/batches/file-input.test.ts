import { describe, expect, it } from "vitest";
import { postJson } from "../support/api";
import { fakeCalls, uniqueTag } from "../support/fake-llm";
import { createBatch, downloadJsonl, uploadFile, waitForBatch } from "./helpers";

describe("file batches", () => {
  it("CSV columns map to id, text and metadata", async () => {
    const tag = uniqueTag("file-csv");
    const csv = ["sku,description,country", `0700,${tag} steel bottle,FR`, `0701,"${tag} glass jar, with lid",DE`, `0700,${tag} duplicate sku,IT`].join("\r\n");
    const file = await uploadFile("products.csv", csv, "text/csv");

    const created = await createBatch({
      operation: "run",
      file_id: file.id,
      id_column: "sku",
      text_column: "description",
      user_prompt_template: "{text} (made in {country})",
    });
    expect(created.file_id).toBe(file.id);
    expect(created.input).toEqual({ source: "file", file_id: file.id, id_column: "sku", text_column: "description" });
    expect(created.request_counts.total).toBe(3);

    const batch = await waitForBatch(created.id);
    expect(batch.status).toBe("completed");
    expect(batch.request_counts.completed).toBe(3);

    const { records } = await downloadJsonl(created.id);
    // Duplicate ids in a file are kept apart by their index.
    expect(records.map((record) => [record.index, record.id])).toEqual([
      [0, "0700"],
      [1, "0701"],
      [2, "0700"],
    ]);
    const prompts = (await fakeCalls(tag)).map((call) => call.body.messages.at(-1)!.content).sort();
    expect(prompts).toEqual([`${tag} duplicate sku (made in IT)`, `${tag} glass jar, with lid (made in DE)`, `${tag} steel bottle (made in FR)`]);
  });

  it("text file lines use line numbers as ids", async () => {
    const tag = uniqueTag("file-text");
    const file = await uploadFile("notes.txt", `${tag} first\n\n${tag} third\n`, "text/plain");
    const created = await createBatch({ operation: "summarize", file_id: file.id });
    const batch = await waitForBatch(created.id);
    expect(batch.request_counts).toEqual({ total: 2, completed: 2, failed: 0, cancelled: 0, expired: 0 });
    const { records } = await downloadJsonl(created.id);
    expect(records.map((record) => record.id)).toEqual(["1", "3"]);
  });

  it("overlong item fails alone", async () => {
    const tag = uniqueTag("file-huge");
    const lines = [
      { id: "h1", text: `${tag} short` },
      { id: "h2", text: `${tag} ${"x".repeat(300_000)}` },
      { id: "h3", text: `${tag} short too` },
    ];
    const file = await uploadFile("huge.jsonl", lines.map((line) => JSON.stringify(line)).join("\n"), "application/jsonl");
    const created = await createBatch({ operation: "run", file_id: file.id });
    const batch = await waitForBatch(created.id);
    expect(batch.status).toBe("completed");
    expect(batch.request_counts).toEqual({ total: 3, completed: 2, failed: 1, cancelled: 0, expired: 0 });

    const { records } = await downloadJsonl(created.id);
    expect(records[1].id).toBe("h2");
    expect(records[1].status).toBe("failed");
    expect(records[1].error.code).toBe("input_too_long");
    expect(records[1].error.message).toContain("line 2");
    expect(records[1].usage).toEqual({ prompt_tokens: 0, completion_tokens: 0 });
    expect(await fakeCalls(tag)).toHaveLength(2);
  });

  it("record without a template field fails alone", async () => {
    const tag = uniqueTag("file-missing-field");
    const lines = [{ id: "m1", text: `${tag} a`, lang: "fr" }, { id: "m2", text: `${tag} b` }];
    const file = await uploadFile("langs.jsonl", lines.map((line) => JSON.stringify(line)).join("\n"), "application/jsonl");
    const created = await createBatch({ operation: "run", file_id: file.id, user_prompt_template: "{text} in {lang}" });
    const batch = await waitForBatch(created.id);
    expect(batch.request_counts.completed).toBe(1);
    expect(batch.request_counts.failed).toBe(1);
    const { records } = await downloadJsonl(created.id);
    expect(records[1].error.code).toBe("missing_field");
    expect(records[1].error.message).toContain("{lang}");
  });

  it("unknown columns are 400", async () => {
    const file = await uploadFile("mapping.csv", "sku,description\n1,a\n", "text/csv");
    const unknownText = await postJson("/api/batches", { operation: "run", file_id: file.id, text_column: "body" });
    expect(unknownText.status).toBe(400);
    expect(unknownText.json.error.code).toBe("unknown_column");
    expect(unknownText.json.error.param).toBe("text_column");
    expect(unknownText.json.error.message).toContain('"sku", "description"');

    const unknownId = await postJson("/api/batches", { operation: "run", file_id: file.id, text_column: "description", id_column: "code" });
    expect(unknownId.status).toBe(400);
    expect(unknownId.json.error.param).toBe("id_column");

    const noTextColumn = await postJson("/api/batches", { operation: "run", file_id: file.id });
    expect(noTextColumn.status).toBe(400);
    expect(noTextColumn.json.error.code).toBe("missing_text_column");

    const sameColumn = await postJson("/api/batches", { operation: "run", file_id: file.id, text_column: "sku", id_column: "sku" });
    expect(sameColumn.status).toBe(400);
    expect(sameColumn.json.error.code).toBe("invalid_column");
  });

  it("placeholder no column fills is 400", async () => {
    const file = await uploadFile("placeholders.csv", "sku,description\n1,a\n", "text/csv");
    const response = await postJson("/api/batches", {
      operation: "run",
      file_id: file.id,
      text_column: "description",
      user_prompt_template: "{text} for {region}",
    });
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe("missing_placeholder");
    expect(response.json.error.message).toContain("{region}");
    expect(response.json.error.message).toContain("sku");
  });

  it("text file with id_column is 400", async () => {
    const file = await uploadFile("plain.txt", "a line\n", "text/plain");
    const response = await postJson("/api/batches", { operation: "run", file_id: file.id, id_column: "id" });
    expect(response.status).toBe(400);
    expect(response.json.error.param).toBe("id_column");
  });
});
