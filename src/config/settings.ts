// Typed settings read from the Worker's vars and secrets, with defaults from limits.ts.
import type { Env } from "../env";
import {
  DEFAULT_LLM_CONCURRENCY,
  DEFAULT_LLM_MAX_ATTEMPTS,
  DEFAULT_LLM_MODEL,
  DEFAULT_LLM_TIMEOUT_MS,
  DEFAULT_RETENTION_DAYS,
} from "./limits";

export type StructuredOutputLevel = "json_schema" | "json_object" | "text";

export interface LlmSettings {
  baseURL: string | undefined;
  apiKey: string;
  model: string;
  timeoutMs: number;
  concurrency: number;
  maxAttempts: number;
  structuredOutput: StructuredOutputLevel;
}

function positiveInt(value: string | undefined, fallback: number): number {
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : fallback;
}

export function readLlmSettings(env: Env): LlmSettings {
  const level = env.LLM_STRUCTURED_OUTPUT;
  return {
    baseURL: env.LLM_BASE_URL ? env.LLM_BASE_URL : undefined,
    // The openai client insists on a key; local servers ignore it.
    apiKey: env.LLM_API_KEY ? env.LLM_API_KEY : "no-key",
    model: env.LLM_MODEL ? env.LLM_MODEL : DEFAULT_LLM_MODEL,
    timeoutMs: positiveInt(env.LLM_TIMEOUT_MS, DEFAULT_LLM_TIMEOUT_MS),
    concurrency: positiveInt(env.LLM_CONCURRENCY, DEFAULT_LLM_CONCURRENCY),
    maxAttempts: positiveInt(env.LLM_MAX_ATTEMPTS, DEFAULT_LLM_MAX_ATTEMPTS),
    structuredOutput: level === "json_object" || level === "text" ? level : "json_schema",
  };
}

/**
 * Reads RETENTION_DAYS: a whole number of days, DEFAULT_RETENTION_DAYS when unset. Returns
 * null for any other value, so a typo never shortens retention; housekeeping then deletes nothing.
 */
export function readRetentionDays(env: Env): number | null {
  const value = env.RETENTION_DAYS;
  if (value === undefined || value.trim() === "") return DEFAULT_RETENTION_DAYS;
  return /^\d+$/.test(value.trim()) && Number(value) > 0 ? Number(value) : null;
}
