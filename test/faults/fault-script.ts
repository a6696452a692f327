// Scripts fault rules on the fake model server and reads its call log per item, so a
// test can compare each item's result with the faults its calls received.
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { fakeCalls } from "../support/fake-llm";

/** A fault rule of the fake: which matching calls it picks, and how it responds to them. */
export interface FaultRule {
  every?: number;
  share?: number;
  first?: number;
  per_prompt?: boolean;
  status?: number;
  headers?: Record<string, string>;
  hang?: boolean;
  delay_ms?: number;
}

/** One request the fake received, with the fault rule that produced its response (null: a normal completion). */
export interface LoggedCall {
  at: number;
  text: string;
  fault: { rule: number; status: number | null; hang: boolean } | null;
}

/** Adds a fault script for calls whose prompt contains `match`. */
export async function scriptFaults(match: string, faults: FaultRule[], seed = 0): Promise<void> {
  const base = env.LLM_BASE_URL!.replace(/\/v1$/, "");
  const response = await fetch(`${base}/__fake/script`, { method: "POST", body: JSON.stringify({ match, faults, seed }) });
  expect(response.status, await response.text()).toBe(200);
}

/** Returns the calls whose prompt contains `match`, in arrival order. */
export async function loggedCalls(match: string): Promise<LoggedCall[]> {
  const calls = (await fakeCalls(match)) as unknown as Array<{ at: number; body: { messages: Array<{ content: string }> }; fault: LoggedCall["fault"] }>;
  return calls.map((call) => ({ at: call.at, text: call.body.messages.map((message) => message.content).join("\n"), fault: call.fault }));
}

/** Waits until the fake has received at least `count` calls whose prompt contains `match`. */
export async function waitForCalls(match: string, count: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await fakeCalls(match)).length < count) {
    if (Date.now() > deadline) throw new Error(`the fake received fewer than ${count} calls matching ${match} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}

/** Groups the calls of a batch's items by item marker, which each item's text contains once. */
export function callsByMarker(calls: LoggedCall[], markers: string[]): Map<string, LoggedCall[]> {
  const byMarker = new Map<string, LoggedCall[]>(markers.map((marker) => [marker, []]));
  for (const call of calls) {
    const owners = markers.filter((marker) => call.text.includes(marker));
    expect(owners, `a call matches exactly one item: ${call.text.slice(0, 200)}`).toHaveLength(1);
    byMarker.get(owners[0])!.push(call);
  }
  return byMarker;
}
