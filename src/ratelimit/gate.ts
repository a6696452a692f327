// Connects the model client's RateGate to the deployment-wide ProviderLimiter object.
import type { Env } from "../env";
import type { RateGate } from "../llm/gate";
import { type LimiterStatus, readLimits } from "./provider-limiter";

export const PROVIDER_LIMITER_NAME = "global";

function limiter(env: Env) {
  return env.PROVIDER_LIMITER.get(env.PROVIDER_LIMITER.idFromName(PROVIDER_LIMITER_NAME));
}

/** Returns the shared gate, or undefined when neither LLM_RPM nor LLM_TPM is set. */
export function providerGate(env: Env): RateGate | undefined {
  const limits = readLimits(env);
  if (limits.rpm === 0 && limits.tpm === 0) return undefined;
  const stub = limiter(env);
  return {
    reserve: async (tokens) => (await stub.reserve(tokens, limits)).waitMs,
    settle: (estimated, actual) => stub.settle(estimated, actual),
    penalize: (ms) => stub.penalize(ms),
    hold: (ms) => stub.hold(ms),
  };
}

/** Returns the limiter's state for status responses, or null when no limit is configured. */
export async function providerLimitStatus(env: Env): Promise<LimiterStatus | null> {
  const limits = readLimits(env);
  if (limits.rpm === 0 && limits.tpm === 0) return null;
  return limiter(env).status(limits);
}
