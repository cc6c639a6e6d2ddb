import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { superviseWorker } from "./supervise";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the job runner's supervisor in server.ts", () => {
  it("starts the runner again when it exits", async () => {
    const starts = join(mkdtempSync(join(tmpdir(), "custodia-supervise-")), "starts");
    const stop = superviseWorker(["-e", `require("node:fs").appendFileSync(${JSON.stringify(starts)}, "x"); process.exit(3)`], 100);
    try {
      for (let waited = 0; waited < 10_000 && (readFileSync(starts, { flag: "a+" }).length < 3); waited += 100) await sleep(100);
      expect(readFileSync(starts, "utf8").length).toBeGreaterThanOrEqual(3);
    } finally {
      await stop();
    }
  });

  it("stops the runner with the server and does not start it again", async () => {
    const starts = join(mkdtempSync(join(tmpdir(), "custodia-supervise-")), "starts");
    const stop = superviseWorker(["-e", `require("node:fs").appendFileSync(${JSON.stringify(starts)}, "x"); setInterval(() => {}, 1000)`], 100);
    for (let waited = 0; waited < 10_000 && readFileSync(starts, { flag: "a+" }).length < 1; waited += 100) await sleep(100);
    await stop();
    await sleep(500);
    expect(readFileSync(starts, "utf8")).toBe("x");
  });
});
