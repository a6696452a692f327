import { describe, expect, it } from "vitest";
import { sanitizeMessages } from "../../src/operations/sanitize";
import { postJson } from "../support/api";
import { fakeCalls, uniqueTag } from "../support/fake-llm";

describe("prompt sanitising", () => {
  it("replaces lone surrogates and drops NUL", () => {
    const { messages, warnings } = sanitizeMessages([{ role: "user", content: "a\uD800b\u0000c\uDC00 ok \uD83D\uDE00" }]);
    expect(messages[0].content).toBe("a\uFFFDbc\uFFFD ok \uD83D\uDE00");
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain("2 lone UTF-16 surrogate(s)");
    expect(warnings[1]).toContain("1 NUL");
  });

  it("leaves clean text and its warnings alone", () => {
    const clean = [{ role: "user" as const, content: "plain text with an emoji \uD83D\uDE00" }];
    const { messages, warnings } = sanitizeMessages(clean);
    expect(messages[0]).toBe(clean[0]);
    expect(warnings).toEqual([]);
  });

  it("keeps a bad item from failing its neighbours", async () => {
    const tag = uniqueTag("sanitize");
    const response = await postJson("/api/completions/label", {
      categories: ["a", "b"],
      items: [
        { id: "bad", text: `${tag} broken \uD800 text with NUL \u0000 inside` },
        { id: "good", text: `${tag} fine` },
      ],
    });
    expect(response.status).toBe(200);
    const [bad, good] = response.json.results;
    expect(bad.status).toBe("succeeded");
    expect(bad.warnings.join(" ")).toContain("surrogate");
    expect(bad.warnings.join(" ")).toContain("NUL");
    expect(good.status).toBe("succeeded");
    expect(good.warnings).toEqual([]);

    const sent = (await fakeCalls(`${tag} broken`))[0].body.messages.map((m) => m.content).join("\n");
    expect(sent).toContain("broken \uFFFD text");
    expect(sent).not.toContain("\u0000");
  });
});
