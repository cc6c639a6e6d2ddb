import { spawnSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { seedDemo, SeedRefused } from "@/lib/demo/seed";
import { adminQuery } from "./helpers/db";

afterEach(() => {
  process.env.CUSTODIA_ENV = "test";
});

describe("production mode", () => {
  it("refuses to start the portal without real keys, naming what is missing", () => {
    const env: NodeJS.ProcessEnv = { ...process.env, CUSTODIA_ENV: "production", PORT: "0" };
    for (const name of ["AUTH_SECRET", "CUSTODIA_MASTER_KEYS", "CUSTODIA_SYSTEM_KEY"]) delete env[name];
    const run = spawnSync(process.execPath, ["--import", "tsx", "server.ts"], { env, encoding: "utf8", timeout: 60_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("CUSTODIA_MASTER_KEYS");
    expect(run.stdout).not.toContain("ready on");
  });

  it("refuses to seed demo accounts", async () => {
    process.env.CUSTODIA_ENV = "production";
    await expect(seedDemo()).rejects.toBeInstanceOf(SeedRefused);
    expect(await adminQuery("SELECT id FROM app_user WHERE is_demo")).toEqual([]);
  });
});
