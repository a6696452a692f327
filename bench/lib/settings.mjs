// Benchmark sizes from environment variables, and the Worker vars of the snapshot under test.
import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

/** Reads a whole-number environment variable with a default, naming it when it is invalid. */
export function intSetting(name, fallback, { min = 1 } = {}) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const parsed = z.coerce.number().int().min(min).safeParse(raw);
  if (!parsed.success) throw new Error(`${name}=${JSON.stringify(raw)} is invalid: use a whole number of at least ${min}.`);
  return parsed.data;
}

/** Reads a `NAME = "value"` or `name = value` line of the workspace's wrangler.toml. */
export function tomlValue(workspace, name) {
  const text = readFileSync(path.join(workspace.dir, "wrangler.toml"), "utf8");
  const match = new RegExp(`^${name}\\s*=\\s*"?([^"\\n]*)"?`, "m").exec(text);
  if (!match) throw new Error(`${name} is not set in wrangler.toml`);
  return match[1].trim();
}
