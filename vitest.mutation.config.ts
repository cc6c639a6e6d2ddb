import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL(".", import.meta.url));

/**
 * Mutation testing only (stryker.config.mjs): the security core's unit tests, with no database. Each mutant
 * runs only the tests that cover it; the integration suite would need a database per run and hours.
 */
export default defineConfig({
  resolve: { alias: { "@": root, "server-only": `${root}tests/setup/server-only.ts` } },
  test: {
    include: ["lib/{crypto,audit,access,auth}/**/*.test.ts"],
    // Races processes on a key folder under a fixed 20 s limit: on a busy machine it fails the dry run.
    exclude: ["lib/crypto/keys.test.ts"],
    environment: "node",
    setupFiles: ["tests/setup/config.ts"],
    testTimeout: 60_000,
  },
});
