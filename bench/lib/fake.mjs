// Runs the fake OpenAI-compatible server (src/local/fake-llm.mjs) in its own Node process,
// so its CPU time is never counted as the service's, and controls it over HTTP.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { z } from "zod";
import { killOnExit } from "./cleanup.mjs";
import { fakeLlmScript } from "./paths.mjs";
import { readJson } from "./service.mjs";

const FakeStatsSchema = z.object({
  requests: z.number(),
  rate_limited: z.number(),
  in_flight: z.number(),
  max_in_flight: z.number(),
});

const RecordedCallsSchema = z.array(z.object({ at: z.number(), body: z.record(z.string(), z.unknown()) }));

/** Starts the fake on a free port with a fixed latency per call, in milliseconds. */
export async function startFake({ latencyMs = 0 } = {}) {
  const child = spawn(process.execPath, [fakeLlmScript], {
    env: { ...process.env, FAKE_LLM_PORT: "0", FAKE_LLM_LATENCY_MS: String(latencyMs) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const forget = killOnExit(() => child.kill("SIGKILL"));
  const port = await new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the fake LLM exited with code ${code} before it listened`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const match = /127\.0\.0\.1:(\d+)/.exec(line);
      if (match) resolve(Number(match[1]));
    });
  });
  const origin = `http://127.0.0.1:${port}`;
  const post = (route, body) => fetch(`${origin}${route}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  return {
    pid: child.pid,
    baseUrl: `${origin}/v1`,
    /** Clears calls, scripts and stats, and restores the latency it started with. */
    reset: async () => void (await readJson(await post("/__fake/reset", {}), z.unknown(), "fake reset")),
    configure: async (config) => readJson(await post("/__fake/config", config), z.record(z.string(), z.unknown()), "fake config"),
    stats: async () => readJson(await fetch(`${origin}/__fake/stats`), FakeStatsSchema, "fake stats"),
    /** The request bodies received since the last reset, in arrival order. */
    calls: async () => readJson(await fetch(`${origin}/__fake/calls`), RecordedCallsSchema, "fake calls"),
    stop: async () => {
      forget();
      child.kill("SIGTERM");
      await new Promise((resolve) => (child.exitCode === null ? child.once("exit", resolve) : resolve()));
    },
  };
}
