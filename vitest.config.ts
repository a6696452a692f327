import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      cloudflareTest(({ inject }) => ({
        main: "./src/index.ts",
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            LLM_BASE_URL: `http://127.0.0.1:${inject("fakeLlmPort")}/v1`,
            LLM_API_KEY: "sk-test-secret-key-0123456789",
            LLM_TIMEOUT_MS: "1500",
            LLM_MAX_ATTEMPTS: "3",
            LOG_LEVEL: "warn",
            // test/support/api.ts sends this admin key unless a test passes its own.
            ADMIN_API_KEY: "test-admin-key-4f9c2a7e1b",
          },
        },
      })),
    ],
    test: {
      include: ["test/**/*.test.ts"],
      globalSetup: ["./test/support/global-setup.ts"],
      setupFiles: ["./test/support/apply-migrations.ts"],
      testTimeout: 30_000,
      hookTimeout: 30_000,
    },
  };
});
