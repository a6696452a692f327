// The baseline for the pipeline benchmark: a plain Node script that sends chat completion
// requests with the `openai` package at a fixed concurrency and writes one JSONL line per
// response. It has no queue, no storage and no coordinator, so it shows what the model
// endpoint allows on this machine.
//
//   node bench/plain-client.mjs --requests bodies.jsonl --base-url http://127.0.0.1:8799/v1 \
//     --concurrency 8 --out answers.jsonl
//
// Each line of --requests is one chat completion request body. The script prints one
// JSON object: the request count, seconds, requests per second, failures and CPU time.
import { createWriteStream, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import OpenAI from "openai";
import { z } from "zod";

const ArgsSchema = z.object({
  requests: z.string().min(1),
  "base-url": z.url(),
  concurrency: z.coerce.number().int().min(1).max(10_000),
  out: z.string().min(1),
  "max-retries": z.coerce.number().int().min(0).max(10).default(2),
});

const ChatBodySchema = z.object({ model: z.string(), messages: z.array(z.unknown()).min(1) }).loose();

/**
 * Sends every request body with `client`, `concurrency` at a time, and calls `onResult`
 * with each answer's parsed JSON content or error in completion order. Returns the
 * number of failed requests.
 */
export async function sendAll({ client, bodies, concurrency, onResult = () => {} }) {
  let next = 0;
  let failed = 0;

  async function worker() {
    while (next < bodies.length) {
      const index = next++;
      try {
        const completion = await client.chat.completions.create(bodies[index]);
        const content = completion.choices[0]?.message.content ?? "";
        onResult({ index, output: JSON.parse(content), usage: completion.usage });
      } catch (error) {
        failed++;
        onResult({ index, error: String(error) });
      }
    }
  }

  await Promise.all(Array.from({ length: Math.min(concurrency, bodies.length) }, () => worker()));
  return failed;
}

/** Sends every request, writes the responses to `out` as JSONL and returns the run's figures. */
export async function runPlainClient({ bodies, baseURL, concurrency, out, maxRetries }) {
  const client = new OpenAI({ apiKey: "no-key", baseURL, maxRetries });
  const output = createWriteStream(out);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();

  const failed = await sendAll({ client, bodies, concurrency, onResult: (line) => output.write(`${JSON.stringify(line)}\n`) });

  await new Promise((resolve) => output.end(resolve));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    requests: bodies.length,
    failed,
    seconds,
    requests_per_second: bodies.length / seconds,
    cpu_ms: (cpu.user + cpu.system) / 1000,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      requests: { type: "string" },
      "base-url": { type: "string" },
      concurrency: { type: "string" },
      out: { type: "string" },
      "max-retries": { type: "string" },
    },
  });
  const parsed = ArgsSchema.safeParse(values);
  if (!parsed.success) {
    console.error(`Invalid arguments: ${parsed.error.message}\nUsage: node bench/plain-client.mjs --requests FILE --base-url URL --concurrency N --out FILE`);
    process.exit(2);
  }
  const args = parsed.data;
  const bodies = readFileSync(args.requests, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line, index) => {
      const body = ChatBodySchema.safeParse(JSON.parse(line));
      if (!body.success) throw new Error(`line ${index + 1} of ${args.requests} is not a chat completion request: ${body.error.message}`);
      return body.data;
    });
  const summary = await runPlainClient({ bodies, baseURL: args["base-url"], concurrency: args.concurrency, out: args.out, maxRetries: args["max-retries"] });
  console.log(JSON.stringify(summary));
}
