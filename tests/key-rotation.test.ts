import { spawn } from "node:child_process";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { clearDataKeyCache, unwrapDataKey } from "@/lib/crypto/envelope";
import { decryptField } from "@/lib/crypto/field";
import { FileKeyProvider } from "@/lib/crypto/keys";
import { installContextKey } from "@/lib/db/context";
import { adminQuery } from "./helpers/db";
import { identity, makeUser } from "./helpers/fixtures";

// Hoisted above the imports, so this file's key provider uses its own key folder, never the shared one.
const keyDir = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? "/tmp"}/custodia-rotation-${process.pid}-${Date.now()}`;
  process.env.CUSTODIA_KEY_DIR = dir;
  return dir;
});

const PATIENTS = 24;

function runScript(script: string, args: string[] = [], killAfterLine?: RegExp): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", script, ...args], {
      env: { ...process.env, CUSTODIA_KEY_DIR: keyDir, ROTATE_BATCH_SIZE: "3" },
    });
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      // SIGKILL: no cleanup, no finally blocks, as if the machine lost power mid-rotation.
      if (killAfterLine && killAfterLine.test(output)) child.kill("SIGKILL");
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => resolve({ code, output }));
  });
}

async function undecryptable(): Promise<number> {
  clearDataKeyCache();
  const provider = new FileKeyProvider(keyDir);
  const rows = await adminQuery<{ id: string; dek_wrapped: string; given_name_enc: string }>(
    "SELECT k.patient_id::text AS id, k.dek_wrapped, i.given_name_enc FROM patient_key k JOIN patient_identity i ON i.patient_id = k.patient_id",
  );
  expect(rows).toHaveLength(PATIENTS);
  let failures = 0;
  for (const row of rows) {
    try {
      const dek = unwrapDataKey(row.id, row.dek_wrapped, provider);
      expect(decryptField(dek, row.given_name_enc, { table: "patient_identity", column: "given_name_enc", rowId: row.id })).toBe("Rotated");
    } catch {
      failures += 1;
    }
  }
  return failures;
}

async function versions(): Promise<Record<string, number>> {
  const rows = await adminQuery<{ v: number; n: string }>("SELECT kek_version AS v, count(*) AS n FROM patient_key GROUP BY 1");
  return Object.fromEntries(rows.map((r) => [String(r.v), Number(r.n)]));
}

beforeAll(async () => {
  // This file's own keys sign the database context too (tests/setup/database.ts installed the shared ones).
  await installContextKey(process.env.MIGRATION_DATABASE_URL!);
  for (let i = 0; i < PATIENTS; i++) await makeUser("patient", { patient: identity({ givenName: "Rotated" }) });
});

describe("master key rotation", () => {
  it("survives being killed half-way, resumes, and only then lets the old key be retired", async () => {
    expect(await versions()).toEqual({ "1": PATIENTS });

    const killed = await runScript("scripts/keys-rotate.ts", [], /rewrapped [1-9]/);
    expect(killed.code).toBeNull();
    const partial = await versions();
    expect(partial["2"]).toBeGreaterThan(0);
    expect(partial["1"]).toBeGreaterThan(0);
    expect(await undecryptable()).toBe(0);

    const early = await runScript("scripts/keys-retire.ts", ["1"]);
    expect(early.code).not.toBe(0);
    expect(early.output).toContain("still wraps");

    const resumed = await runScript("scripts/keys-rotate.ts");
    expect(resumed.code).toBe(0);
    expect(resumed.output).toContain("resuming");
    expect(await versions()).toEqual({ "2": PATIENTS });
    expect(await undecryptable()).toBe(0);

    expect((await runScript("scripts/keys-retire.ts", ["2"])).code).not.toBe(0);
    const retired = await runScript("scripts/keys-retire.ts", ["1"]);
    expect(retired.code).toBe(0);
    expect([...new FileKeyProvider(keyDir).masterKeys().keys.keys()]).toEqual([2]);
    expect(await undecryptable()).toBe(0);
  });
});
