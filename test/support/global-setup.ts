// Starts the fake OpenAI-compatible server once for the whole run, on 127.0.0.1.
import type { TestProject } from "vitest/node";
// @ts-expect-error: plain JavaScript module without type declarations.
import { startFakeLlm } from "../../src/local/fake-llm.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    fakeLlmPort: number;
  }
}

export default async function setup(project: TestProject) {
  const { server, port } = await startFakeLlm();
  project.provide("fakeLlmPort", port);
  return async () => {
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(resolve));
  };
}
