/**
 * `npm run test:mutation`: StrykerJS over the security core, not part of test:all (it takes long). Narrow it to
 * one folder or file with `npm run test:mutation -- --mutate "lib/crypto/**\/*.ts"`. README, "Mutation testing".
 * @type {import("@stryker-mutator/api/core").PartialStrykerOptions}
 */
const config = {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutation.config.ts" },
  mutate: ["lib/{crypto,audit,access,auth}/**/*.ts", "!**/*.test.ts"],
  coverageAnalysis: "perTest",
  // Two cores shared with the rest of the machine.
  concurrency: 2,
  reporters: ["clear-text", "progress", "html"],
  htmlReporter: { fileName: "reports/mutation/index.html" },
  tempDirName: ".stryker-tmp",
  cleanTempDir: true,
};

export default config;
