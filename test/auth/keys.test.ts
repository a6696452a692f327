import { afterEach, describe, expect, it, vi } from "vitest";
import { callApi, postJson } from "../support/api";
import { uniqueTag } from "../support/fake-llm";

async function createKey(name: string, tenantId?: string) {
  const response = await postJson("/api/keys", tenantId ? { name, tenant_id: tenantId } : { name });
  expect(response.status, response.text).toBe(201);
  return response.json as { id: string; key: string; tenant_id: string; prefix: string };
}

const LABEL_BODY = (tag: string) => ({ categories: ["a", "b"], items: [{ text: `${tag} hello` }] });

afterEach(() => {
  vi.restoreAllMocks();
});

describe("API key authentication", () => {
  it("rejects a request without a key", async () => {
    const response = await postJson("/api/completions/label", LABEL_BODY(uniqueTag("auth")), { authorization: null });
    expect(response.status).toBe(401);
    expect(response.json.error.code).toBe("invalid_api_key");
    expect(response.json.error.message).toContain("Authorization: Bearer");
    expect(response.headers.get("www-authenticate")).toContain("Bearer");
  });

  it("rejects a wrong or malformed key", async () => {
    const wrong = await callApi("GET", "/api/files", undefined, { authorization: "Bearer afb_AAAAAAAA_notarealsecretnotarealsecret" });
    expect(wrong.status).toBe(401);
    const malformed = await callApi("GET", "/api/files", undefined, { authorization: "Basic dXNlcjpwYXNz" });
    expect(malformed.status).toBe(401);
    expect(malformed.json.error.message).toContain("Bearer");
  });

  it("logs only a short prefix of a rejected key", async () => {
    const warn = vi.spyOn(console, "warn");
    const secret = "afb_ZZZZZZZZ_secretpartthatmustnotbelogged";
    const response = await callApi("GET", "/api/files", undefined, { authorization: `Bearer ${secret}` });
    expect(response.status).toBe(401);
    const logged = warn.mock.calls.map((call) => String(call[0])).join("\n");
    expect(logged).toContain("afb_ZZZZ");
    expect(logged).not.toContain("secretpartthatmustnotbelogged");
  });

  it("leaves /health open", async () => {
    const response = await callApi("GET", "/health", undefined, { authorization: null });
    expect(response.status).toBe(200);
  });
});

describe("/api/keys", () => {
  it("creates a tenant key that works once, shown once", async () => {
    const created = await createKey("analyst");
    expect(created.key).toMatch(/^afb_[A-Za-z0-9]{8}_/);
    expect(created.tenant_id).toMatch(/^tenant_/);

    const tag = uniqueTag("tenant-call");
    const response = await postJson("/api/completions/label", LABEL_BODY(tag), { authorization: `Bearer ${created.key}` });
    expect(response.status, response.text).toBe(200);

    const listed = await callApi("GET", "/api/keys");
    const entry = listed.json.data.find((key: { id: string }) => key.id === created.id);
    expect(entry.name).toBe("analyst");
    expect(entry.prefix).toBe(created.prefix);
    expect(JSON.stringify(listed.json)).not.toContain(created.key);
    expect(entry.hash).toBeUndefined();
  });

  it("revokes a key at once", async () => {
    const created = await createKey("short-lived");
    const auth = { authorization: `Bearer ${created.key}` };
    expect((await callApi("GET", "/api/files", undefined, auth)).status).toBe(200);

    const revoked = await callApi("DELETE", `/api/keys/${created.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.json.revoked_at).not.toBeNull();
    expect((await callApi("GET", "/api/files", undefined, auth)).status).toBe(401);
  });

  it("is for the admin only", async () => {
    const created = await createKey("not-admin");
    const response = await postJson("/api/keys", { name: "escalation" }, { authorization: `Bearer ${created.key}` });
    expect(response.status).toBe(403);
    expect(response.json.error.code).toBe("admin_required");
  });

  it("adds a second key to an existing tenant", async () => {
    const first = await createKey("first");
    const second = await createKey("second", first.tenant_id);
    expect(second.tenant_id).toBe(first.tenant_id);
    expect(second.key).not.toBe(first.key);
  });

  it("rejects unknown fields and unknown key ids", async () => {
    const bad = await postJson("/api/keys", { name: "x", scope: "all" });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toContain('"scope"');
    const missing = await callApi("DELETE", "/api/keys/nosuchid");
    expect(missing.status).toBe(404);
  });
});
