import { existsSync } from "node:fs";
import { defineConfig, devices } from "@playwright/test";
import { e2eSettings } from "./e2e/support/settings";

// `npx playwright install` cannot download browsers here: use the system Chromium when present.
const systemChromium = process.env.PLAYWRIGHT_CHROMIUM ?? "/usr/bin/chromium";
const executablePath = existsSync(systemChromium) ? systemChromium : undefined;

// Free ports and a database name of this run's own (E2E_PORT, E2E_IDLE_PORT, E2E_DATABASE: see settings.ts).
const { port: PORT, idlePort: IDLE_PORT } = await e2eSettings();

export default defineConfig({
  testDir: "e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"] } }],
  webServer: [
    {
      command: "node e2e/support/serve.mjs",
      url: `http://127.0.0.1:${PORT}/sign-in`,
      env: { PORT: String(PORT), CUSTODIA_SEED: "1", BREAK_GLASS_MINUTES: "0.1", ERASURE_GRACE_SECONDS: "5" },
      timeout: 300_000,
      reuseExistingServer: false,
      stdout: "pipe",
    },
    {
      // Same database and build; a short idle timeout and a low bulk-access limit to watch both trip, and
      // one trusted reverse proxy in front (TRUST_PROXY=1) to check which X-Forwarded-For entry is believed.
      command: "node e2e/support/serve.mjs",
      url: `http://127.0.0.1:${IDLE_PORT}/sign-in`,
      env: { PORT: String(IDLE_PORT), SESSION_IDLE_SECONDS: "4", CUSTODIA_SEED: "0", BULK_ACCESS_MAX_PATIENTS: "10", TRUST_PROXY: "1" },
      timeout: 300_000,
      reuseExistingServer: false,
    },
  ],
});
