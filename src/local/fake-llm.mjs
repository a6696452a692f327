// A fake OpenAI-compatible chat completions server for local development, tests and
// benchmarks. By default it answers deterministically with output that fits the
// requested response_format; tests script failure modes through the /__fake routes.
//
// A script is either a list of `steps`, used one per matching call, or a list of fault
// rules (`faults`) that each pick a share of the matching calls:
//   {"match": "tag", "seed": 7, "faults": [
//     {"share": 0.25, "status": 503},                 a seeded pseudo-random 25% get a 503
//     {"every": 4, "hang": true},                     every 4th call never gets a response
//     {"first": 2, "per_prompt": true, "status": 429,
//      "headers": {"retry-after-ms": "200"}}]}        the first 2 calls of each prompt get a 429
// A rule picks a call when all of its conditions hold (no condition: every call). Rules
// are tried in order, and the first that picks the call responds to it like a step
// (`status`, `headers`, `body`, `hang`, `delay_ms`). A call that no rule picks goes on to
// later scripts. Calls are counted per script, or per distinct prompt with `per_prompt`.
// Prompts are numbered in the order of their first call, and a share draw depends only on
// the seed, the rule, that number and the count. So the same workload meets the same
// faults on every run, although which prompt gets which number follows arrival order.
// The call log marks each call that a rule picked with `fault`.
import http from "node:http";
import { pathToFileURL } from "node:url";

const PLACEHOLDER_MODEL = "agentflow-placeholder";

/** Returns a stable 32-bit hash of a string (FNV-1a). */
function hashString(text) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** Builds a value that validates against a JSON Schema subset, chosen by the seed. */
export function sampleFromSchema(schema, seed, name = "value") {
  if (!schema || typeof schema !== "object") return "placeholder";
  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    return schema.enum[seed % schema.enum.length];
  }
  if (Array.isArray(schema.anyOf)) {
    const branch = schema.anyOf.find((option) => option.type !== "null") ?? schema.anyOf[0];
    return sampleFromSchema(branch, seed, name);
  }
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  switch (type) {
    case "object": {
      const result = {};
      const properties = schema.properties ?? {};
      let offset = 0;
      for (const [key, child] of Object.entries(properties)) {
        result[key] = sampleFromSchema(child, hashString(`${seed}:${key}:${offset++}`), key);
      }
      return result;
    }
    case "array": {
      const count = Math.max(schema.minItems ?? 1, 1);
      const items = [];
      for (let i = 0; i < count; i++) items.push(sampleFromSchema(schema.items, seed + i, name));
      return schema.uniqueItems ? [...new Set(items.map((v) => JSON.stringify(v)))].map((v) => JSON.parse(v)) : items;
    }
    case "integer":
      return seed % 100;
    case "number":
      return (seed % 1000) / 10;
    case "boolean":
      return seed % 2 === 0;
    case "null":
      return null;
    default:
      return `placeholder ${name}`;
  }
}

/**
 * Returns a pseudo-random number in [0, 1), fixed by the seed and the key. FNV-1a alone
 * gives close values for keys that differ in their last character, so its hash goes
 * through MurmurHash3's 32-bit finalizer, which spreads every input bit.
 */
function seededUnit(seed, key) {
  let hash = hashString(`${seed}:${key}`);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 2 ** 32;
}

const FAULT_KEYS = new Set(["every", "share", "first", "per_prompt", "status", "headers", "body", "hang", "delay_ms"]);

/** Returns why a list of fault rules is invalid, or null when it is valid. */
function faultRulesProblem(faults) {
  if (!Array.isArray(faults)) return "faults must be an array of rules";
  for (const [i, rule] of faults.entries()) {
    if (rule === null || typeof rule !== "object" || Array.isArray(rule)) return `faults[${i}] must be an object`;
    const unknown = Object.keys(rule).find((key) => !FAULT_KEYS.has(key));
    if (unknown !== undefined) return `faults[${i}].${unknown} is not a fault rule field; use ${[...FAULT_KEYS].join(", ")}`;
    if (rule.every !== undefined && !(Number.isInteger(rule.every) && rule.every >= 1)) return `faults[${i}].every must be a whole number from 1`;
    if (rule.first !== undefined && !(Number.isInteger(rule.first) && rule.first >= 0)) return `faults[${i}].first must be a whole number from 0`;
    if (rule.share !== undefined && !(typeof rule.share === "number" && rule.share >= 0 && rule.share <= 1)) return `faults[${i}].share must be a number from 0 to 1`;
  }
  return null;
}

/**
 * Returns the index of the first fault rule that picks a call, or -1. `counts` contains the
 * call's 1-based number among the script's matching calls (`ofScript`) and among its
 * prompt's calls (`ofPrompt`), and the prompt's 1-based number (`prompt`).
 */
function pickFault(script, counts) {
  return script.faults.findIndex((rule, i) => {
    const count = rule.per_prompt ? counts.ofPrompt : counts.ofScript;
    if (rule.first !== undefined && count > rule.first) return false;
    if (rule.every !== undefined && count % rule.every !== 0) return false;
    const key = rule.per_prompt ? `${i}:${counts.prompt}:${count}` : `${i}:${count}`;
    return rule.share === undefined || seededUnit(script.seed, key) < rule.share;
  });
}

function messagesText(body) {
  return (body.messages ?? [])
    .map((message) => (typeof message.content === "string" ? message.content : JSON.stringify(message.content)))
    .join("\n");
}

function defaultContent(body) {
  const seed = hashString(messagesText(body));
  const format = body.response_format;
  if (format?.type === "json_schema") {
    return JSON.stringify(sampleFromSchema(format.json_schema?.schema, seed));
  }
  if (format?.type === "json_object") {
    return JSON.stringify({ result: "placeholder output" });
  }
  return "Placeholder output from the local fake model.";
}

function completion(body, step) {
  const content = step.content === undefined ? defaultContent(body) : step.content;
  const promptTokens = Math.ceil(messagesText(body).length / 4);
  const completionTokens = typeof content === "string" ? Math.ceil(content.length / 4) : 0;
  return {
    id: `chatcmpl-fake-${Date.now().toString(36)}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: body.model ?? PLACEHOLDER_MODEL,
    choices: [
      {
        index: 0,
        finish_reason: step.finish_reason ?? "stop",
        message: { role: "assistant", content, refusal: step.refusal ?? null },
      },
    ],
    usage: step.usage ?? {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  };
}

const FORMAT_RANK = { text: 0, json_object: 1, json_schema: 2 };

/** Creates the fake server's state and request handler. */
export function createFakeLlm(initial = {}) {
  const state = {
    config: { latency_ms: 0, rpm: 0, structured: "json_schema", ...initial },
    scripts: [],
    calls: [],
    stats: { requests: 0, rate_limited: 0, in_flight: 0, max_in_flight: 0 },
    window: [],
  };

  function reset() {
    state.config = { latency_ms: 0, rpm: 0, structured: "json_schema", ...initial };
    state.scripts = [];
    state.calls = [];
    state.stats = { requests: 0, rate_limited: 0, in_flight: 0, max_in_flight: 0 };
    state.window = [];
  }

  /** The richest format a matching script allows, or the global config's. */
  function structuredLevel(text) {
    const script = state.scripts.find((candidate) => candidate.structured !== undefined && text.includes(candidate.match));
    return script ? script.structured : state.config.structured;
  }

  /** Counts a call against a fault script and returns the rule index that picks it, or -1. */
  function countFaultCall(script, text) {
    script.calls++;
    let prompt = script.prompts.get(text);
    if (prompt === undefined) {
      prompt = { number: script.prompts.size + 1, calls: 0 };
      script.prompts.set(text, prompt);
    }
    prompt.calls++;
    return pickFault(script, { ofScript: script.calls, ofPrompt: prompt.calls, prompt: prompt.number });
  }

  /** Returns the step that responds to a call, and the fault rule that picked it, if any. */
  function takeStep(text) {
    for (const script of state.scripts) {
      if (!text.includes(script.match)) continue;
      if (script.faults !== undefined) {
        const rule = countFaultCall(script, text);
        if (rule >= 0) return { step: script.faults[rule], fault: { rule, status: script.faults[rule].status ?? null, hang: Boolean(script.faults[rule].hang) } };
        continue;
      }
      if (script.steps.length > 0) {
        const step = script.steps[0];
        if (!script.repeat) script.steps.shift();
        return { step, fault: null };
      }
    }
    return { step: {}, fault: null };
  }

  function rateLimited(now) {
    if (!state.config.rpm) return null;
    state.window = state.window.filter((at) => now - at < 60_000);
    if (state.window.length < state.config.rpm) {
      state.window.push(now);
      return null;
    }
    return Math.max(1, 60_000 - (now - state.window[0]));
  }

  async function handleCompletion(body, res) {
    const text = messagesText(body);
    const now = Date.now();
    state.stats.requests++;
    const call = { at: now, body, fault: null };
    state.calls.push(call);

    const waitMs = rateLimited(now);
    if (waitMs !== null) {
      state.stats.rate_limited++;
      return send(res, 429, { error: { message: "Rate limit reached", type: "rate_limit_exceeded" } }, {
        "retry-after": String(Math.ceil(waitMs / 1000)),
        "retry-after-ms": String(waitMs),
        "x-ratelimit-limit-requests": String(state.config.rpm),
        "x-ratelimit-remaining-requests": "0",
      });
    }

    const requested = body.response_format?.type ?? "text";
    if (FORMAT_RANK[requested] > FORMAT_RANK[structuredLevel(text)]) {
      return send(res, 400, {
        error: { message: `response_format ${requested} is not supported by this model`, param: "response_format" },
      });
    }

    const { step, fault } = takeStep(text);
    call.fault = fault;
    const delay = (step.delay_ms ?? 0) + (state.config.latency_ms ?? 0);
    if (step.hang) return; // Never answers, so the client's timeout fires.
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    if (step.status && step.status !== 200) {
      return send(res, step.status, step.body ?? { error: { message: `scripted status ${step.status}` } }, step.headers);
    }
    return send(res, 200, step.completion ?? completion(body, step), step.headers);
  }

  function send(res, status, payload, headers = {}) {
    if (res.destroyed) return;
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(payload));
  }

  async function handle(req, res) {
    const url = new URL(req.url, "http://127.0.0.1");
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const raw = Buffer.concat(chunks).toString("utf8");
    let body = {};
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        return send(res, 400, { error: { message: "request body is not JSON" } });
      }
    }

    if (req.method === "POST" && url.pathname.endsWith("/chat/completions")) {
      state.stats.in_flight++;
      state.stats.max_in_flight = Math.max(state.stats.max_in_flight, state.stats.in_flight);
      try {
        return await handleCompletion(body, res);
      } finally {
        state.stats.in_flight--;
      }
    }
    if (req.method === "GET" && url.pathname.endsWith("/models")) {
      return send(res, 200, { object: "list", data: [{ id: PLACEHOLDER_MODEL, object: "model" }] });
    }
    if (url.pathname === "/__fake/reset") {
      reset();
      return send(res, 200, { ok: true });
    }
    if (url.pathname === "/__fake/config") {
      Object.assign(state.config, body);
      return send(res, 200, state.config);
    }
    if (url.pathname === "/__fake/script") {
      if (body.structured !== undefined && !(body.structured in FORMAT_RANK)) {
        return send(res, 400, { error: { message: `structured must be one of ${Object.keys(FORMAT_RANK).join(", ")}` } });
      }
      if (body.faults !== undefined) {
        const problem = body.steps !== undefined ? "a script has either steps or faults, not both" : faultRulesProblem(body.faults);
        if (problem !== null) return send(res, 400, { error: { message: problem } });
      }
      state.scripts.push({
        match: String(body.match ?? ""),
        steps: body.steps ?? [],
        repeat: Boolean(body.repeat),
        // The richest response_format this script's calls accept, like the global config's `structured`.
        structured: body.structured,
        faults: body.faults,
        seed: body.seed ?? 0,
        calls: 0,
        prompts: new Map(),
      });
      return send(res, 200, { ok: true });
    }
    if (url.pathname === "/__fake/calls") {
      const match = url.searchParams.get("match") ?? "";
      return send(res, 200, state.calls.filter((call) => messagesText(call.body).includes(match)));
    }
    if (url.pathname === "/__fake/stats") {
      return send(res, 200, state.stats);
    }
    return send(res, 404, { error: { message: `no route ${req.method} ${url.pathname}` } });
  }

  return { state, handle, reset };
}

/** Starts the fake on 127.0.0.1 and resolves with the server and its port. */
export async function startFakeLlm({ port = 0, ...initial } = {}) {
  const fake = createFakeLlm(initial);
  const server = http.createServer((req, res) => {
    fake.handle(req, res).catch((error) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: String(error) } }));
    });
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { server, port: server.address().port, fake };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const port = Number(process.env.FAKE_LLM_PORT ?? 8799);
  const latency = Number(process.env.FAKE_LLM_LATENCY_MS ?? 0);
  const rpm = Number(process.env.FAKE_LLM_RPM ?? 0);
  const { port: bound } = await startFakeLlm({ port, latency_ms: latency, rpm });
  console.log(`fake LLM listening on http://127.0.0.1:${bound}/v1 (placeholder outputs)`);
}
