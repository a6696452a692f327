import { describe, expect, it } from "vitest";
import { callApi, postJson } from "../support/api";
import { uniqueTag } from "../support/fake-llm";

/** Creates an API key for a new tenant and returns its Authorization header. */
async function tenantHeader(tenantId: string): Promise<Record<string, string>> {
  const response = await postJson("/api/keys", { name: `${tenantId} key`, tenant_id: tenantId });
  expect(response.status, response.text).toBe(201);
  return { authorization: `Bearer ${response.json.key}` };
}

describe("batch tenants", () => {
  it("other tenants cannot see a batch", async () => {
    const tag = uniqueTag("tenants");
    const owner = await tenantHeader(`owner_${tag.replace(/-/g, "_")}`);
    const other = await tenantHeader(`other_${tag.replace(/-/g, "_")}`);

    const created = await postJson("/api/batches", { operation: "run", items: [{ text: `${tag} private` }] }, owner);
    expect(created.status).toBe(201);
    const id = created.json.id;

    expect((await callApi("GET", `/api/batches/${id}`, undefined, other)).status).toBe(404);
    expect((await callApi("GET", `/api/batches/${id}/output`, undefined, other)).status).toBe(404);
    expect((await postJson(`/api/batches/${id}/cancel`, {}, other)).status).toBe(404);
    const listed = await callApi("GET", "/api/batches", undefined, other);
    expect(listed.json.data.map((batch: { id: string }) => batch.id)).not.toContain(id);

    const ownList = await callApi("GET", "/api/batches", undefined, owner);
    expect(ownList.json.data.map((batch: { id: string }) => batch.id)).toContain(id);
    expect((await callApi("GET", `/api/batches/${id}`, undefined, owner)).status).toBe(200);
  });

  it("idempotency keys are per tenant", async () => {
    const tag = uniqueTag("tenant-keys");
    const first = await tenantHeader(`first_${tag.replace(/-/g, "_")}`);
    const second = await tenantHeader(`second_${tag.replace(/-/g, "_")}`);
    const body = { operation: "run", items: [{ text: `${tag} same` }] };

    const a = await postJson("/api/batches", body, { ...first, "idempotency-key": tag });
    const b = await postJson("/api/batches", body, { ...second, "idempotency-key": tag });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(a.json.id).not.toBe(b.json.id);
    for (const [id, headers] of [[a.json.id, first], [b.json.id, second]] as const) {
      await expect.poll(async () => (await callApi("GET", `/api/batches/${id}`, undefined, headers)).json.status).toBe("completed");
    }
  });

  it("missing API key is 401", async () => {
    const response = await postJson("/api/batches", { operation: "run", items: [{ text: "x" }] }, { authorization: null });
    expect(response.status).toBe(401);
  });
});
