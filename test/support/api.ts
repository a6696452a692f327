// Sends requests to the Worker under test through its real fetch handler.
import { exports } from "cloudflare:workers";

export async function callApi(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] ??= "application/json";
  }
  const response = await (exports as unknown as { default: Fetcher }).default.fetch(`http://api.test${path}`, init);
  const text = await response.text();
  let json: any = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export function postJson(path: string, body: unknown, headers: Record<string, string> = {}) {
  return callApi("POST", path, body, headers);
}
