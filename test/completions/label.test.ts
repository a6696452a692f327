import { describe, expect, it } from "vitest";
import { postJson } from "../support/api";
import { fakeCalls, scriptFake, uniqueTag } from "../support/fake-llm";

describe("POST /api/completions/label", () => {
  it("labels items with members of the category set", async () => {
    const tag = uniqueTag("label-basic");
    const response = await postJson("/api/completions/label", {
      categories: ["billing", "shipping", { name: "other", description: "anything else" }],
      items: [
        { id: "a", text: `${tag} I was charged twice` },
        { text: `${tag} Where is my parcel?` },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.json.results.map((r: any) => r.id)).toEqual(["a", "1"]);
    for (const result of response.json.results) {
      expect(result.status).toBe("succeeded");
      expect(["billing", "shipping", "other"]).toContain(result.output.label);
    }
    const calls = await fakeCalls(tag);
    expect(calls).toHaveLength(2);
    expect(calls[0].body.response_format?.type).toBe("json_schema");
  });

  it("retries a 429 with retry-after then succeeds", async () => {
    const tag = uniqueTag("label-429");
    await scriptFake(tag, [{ status: 429, headers: { "retry-after-ms": "50" } }, { content: '{"label":"billing"}' }]);
    const response = await postJson("/api/completions/label", {
      categories: ["billing", "shipping"],
      items: [{ id: "x", text: `${tag} charged twice` }],
    });
    expect(response.status).toBe(200);
    expect(response.json.results[0].output).toEqual({ label: "billing" });
    expect(await fakeCalls(tag)).toHaveLength(2);
  });
});
