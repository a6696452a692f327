// Controls the fake model server from inside a test: scripts, config, call log.
import { env } from "cloudflare:workers";

export interface FakeStep {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  delay_ms?: number;
  hang?: boolean;
  content?: string | null;
  refusal?: string | null;
  finish_reason?: string;
  completion?: unknown;
}

interface FakeCall {
  at: number;
  body: { model?: string; messages: Array<{ role: string; content: string }>; response_format?: { type: string }; max_tokens?: number };
}

function fakeUrl(path: string): string {
  const base = env.LLM_BASE_URL!.replace(/\/v1$/, "");
  return `${base}${path}`;
}

async function post(path: string, body: unknown): Promise<void> {
  const response = await fetch(fakeUrl(path), { method: "POST", body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`fake LLM ${path} answered ${response.status}`);
  await response.text();
}

/** Queues answers for calls whose prompt contains `match`; `repeat` reuses the first forever. */
export function scriptFake(match: string, steps: FakeStep[], repeat = false): Promise<void> {
  return post("/__fake/script", { match, steps, repeat });
}

export function configureFake(config: { latency_ms?: number; rpm?: number; structured?: string }): Promise<void> {
  return post("/__fake/config", config);
}

/** Returns the requests the fake received whose prompt contains `match`. */
export async function fakeCalls(match: string): Promise<FakeCall[]> {
  const response = await fetch(fakeUrl(`/__fake/calls?match=${encodeURIComponent(match)}`));
  return (await response.json()) as FakeCall[];
}

/** A prefix unique to one test, so concurrent test files never share scripts. */
export function uniqueTag(name: string): string {
  return `${name}-${crypto.randomUUID().slice(0, 8)}`;
}
