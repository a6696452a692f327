// Sends requests to the Worker under test through its real fetch handler. Requests carry
// the admin key unless the caller sets its own Authorization header (or null for none).
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { app } from "../../src/app";

export type HeaderMap = Record<string, string | null>;

/** Fetches a path from the Worker, adding the admin key by default. */
export function apiFetch(path: string, init: Omit<RequestInit, "headers"> & { headers?: HeaderMap } = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  const given = init.headers ?? {};
  if (!("authorization" in given)) headers.authorization = `Bearer ${env.ADMIN_API_KEY}`;
  for (const [name, value] of Object.entries(given)) if (value !== null) headers[name] = value;
  return (exports as unknown as { default: Fetcher }).default.fetch(`http://api.test${path}`, { ...init, headers });
}

export async function callApi(method: string, path: string, body?: unknown, headers: HeaderMap = {}) {
  const init: Omit<RequestInit, "headers"> & { headers: HeaderMap } = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    init.headers["content-type"] ??= "application/json";
  }
  const response = await apiFetch(path, init);
  const text = await response.text();
  let json: any = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export function postJson(path: string, body: unknown, headers: HeaderMap = {}) {
  return callApi("POST", path, body, headers);
}

/**
 * Calls the app directly with some vars overridden, as a deployment with other settings
 * would run; `key` defaults to the admin key.
 */
export async function callAppWith(overrides: Partial<typeof env>, method: string, path: string, body?: unknown, key = env.ADMIN_API_KEY) {
  const request = new Request(`http://api.test${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const ctx = createExecutionContext();
  const response = await app.fetch(request, { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return { status: response.status, headers: response.headers, json: (await response.json()) as any };
}

/** Creates a tenant API key with the admin key and returns the key. */
export async function createTenantKey(name: string): Promise<string> {
  const response = await postJson("/api/keys", { name });
  if (response.status !== 201) throw new Error(`creating a tenant key failed with ${response.status}: ${response.text}`);
  return response.json.key;
}
