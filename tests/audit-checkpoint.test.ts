import { spawn } from "node:child_process";
import { createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import { appendFileSync, readFileSync, rmSync } from "node:fs";
import { afterAll, describe, expect, it, vi } from "vitest";
import { checkpointFile, checkpointKeyId, checkpointMessage, exportCheckpointPublicKey, readCheckpointFile, writeCheckpointNow, type Checkpoint } from "@/lib/audit/checkpoint";
import { sealAll } from "@/lib/audit/sealer";
import { verifyAuditLog } from "@/lib/audit/verify";
import { withSystem } from "@/lib/db/transaction";
import { adminQuery, withAdminClient } from "./helpers/db";
import { request } from "./helpers/fixtures";
import { asRuntimeRole } from "./helpers/runtime-role";

// Hoisted above the imports: a private checkpoint folder, and a checkpoint every 10 events so a few suffice.
const dir = vi.hoisted(() => {
  const path = `${process.env.TMPDIR ?? "/tmp"}/custodia-checkpoints-${process.pid}-${Date.now()}`;
  process.env.CUSTODIA_CHECKPOINT_DIR = path;
  process.env.AUDIT_CHECKPOINT_EVERY = "10";
  process.env.AUDIT_CHECKPOINT_MINUTES = "60";
  return path;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function appendEvents(transactions: number, perTransaction: number): Promise<void> {
  for (let t = 0; t < transactions; t++) {
    await withSystem(request(), async ({ audit }) => {
      for (let i = 0; i < perTransaction; i++) audit({ action: "test.checkpointed", details: { t, i } });
    });
  }
  await sealAll();
}

async function stored(): Promise<Checkpoint[]> {
  const rows = await adminQuery<{ seq: string; hash: string; signed_at: Date; signature: string; key_id: string }>(
    "SELECT * FROM audit_checkpoint ORDER BY seq",
  );
  return rows.map((r) => ({ seq: r.seq, hash: r.hash, signedAt: r.signed_at.toISOString(), signature: r.signature, keyId: r.key_id }));
}

async function hashAt(seq: string): Promise<string> {
  const [row] = await adminQuery<{ hash: string }>("SELECT hash FROM audit_event WHERE chain_seq = $1", [seq]);
  return row!.hash;
}

function runVerifier(args: string[] = []): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/audit-verify.ts", ...args], { env: process.env });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("exit", (code) => resolve({ code, output }));
  });
}

describe("signed audit checkpoints", () => {
  it("sign the chain every N events as the sealer chains them, and are copied to the external file after commit", async () => {
    await appendEvents(5, 5);
    const checkpoints = await stored();
    expect(checkpoints.map((c) => c.seq)).toEqual(["10", "20"]);
    for (const cp of checkpoints) expect(cp.hash).toBe(await hashAt(cp.seq));
    expect(readCheckpointFile()).toEqual(checkpoints);
  });

  it("are signed after M minutes even when few events were written", async () => {
    process.env.AUDIT_CHECKPOINT_MINUTES = String(50 / 60_000);
    try {
      await new Promise((r) => setTimeout(r, 100));
      await appendEvents(1, 1);
    } finally {
      process.env.AUDIT_CHECKPOINT_MINUTES = "60";
    }
    expect((await stored()).map((c) => c.seq)).toEqual(["10", "20", "26"]);
  });

  it("reach neither table nor file when the audited transaction rolls back", async () => {
    const before = await stored();
    await expect(
      withSystem(request(), async ({ audit }) => {
        for (let i = 0; i < 20; i++) audit({ action: "test.rolled_back" });
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    await sealAll();
    expect(await stored()).toEqual(before);
    expect(readCheckpointFile()).toEqual(before);
  });

  it("verify with the exported public key and plain node:crypto, and fail once altered", async () => {
    const key = createPublicKey(exportCheckpointPublicKey());
    const message = (cp: Checkpoint) => Buffer.from(`custodia-audit-checkpoint/v1\n${cp.seq}\n${cp.hash}\n${cp.signedAt}`);
    for (const cp of readCheckpointFile()) {
      expect(verify(null, message(cp), key, Buffer.from(cp.signature, "base64"))).toBe(true);
      expect(verify(null, message({ ...cp, hash: cp.hash.replace(/^./, (c) => (c === "0" ? "1" : "0")) }), key, Buffer.from(cp.signature, "base64"))).toBe(false);
    }
  });

  it("can be written on demand for the current head", async () => {
    await sealAll();
    const [head] = await adminQuery<{ seq: string; hash: string }>("SELECT chain_seq AS seq, hash FROM audit_event ORDER BY chain_seq DESC NULLS LAST LIMIT 1");
    const cp = await writeCheckpointNow();
    expect(cp).toMatchObject({ seq: head!.seq, hash: head!.hash });
    expect((await stored()).at(-1)).toEqual(cp);
    expect(readCheckpointFile().at(-1)).toEqual(cp);
  });

  it("refuse UPDATE, DELETE and TRUNCATE from the runtime role, and from the owner by trigger", async () => {
    for (const sql of [
      "UPDATE audit_checkpoint SET hash = 'forged'",
      "DELETE FROM audit_checkpoint",
      "TRUNCATE audit_checkpoint",
      "ALTER TABLE audit_checkpoint DISABLE TRIGGER USER",
    ]) {
      await expect(asRuntimeRole(sql, [], { role: "system" }), sql).rejects.toThrow(/permission denied|must be owner/);
    }
    for (const sql of ["UPDATE audit_checkpoint SET hash = 'forged'", "DELETE FROM audit_checkpoint", "TRUNCATE audit_checkpoint"]) {
      await expect(adminQuery(sql), sql).rejects.toThrow(/append-only/);
    }
  });
});

describe("npm run audit:verify", () => {
  it("reports an intact log, signs its head on request and exports the checkpoints with the public key", async () => {
    const target = `${dir}/export.jsonl`;
    const { code, output } = await runVerifier(["--checkpoint", "--export-checkpoints", target]);
    expect(output).toMatch(/^ok: \d+ events, last seq \d+, \d+ checkpoints verified$/m);
    expect(code).toBe(0);
    const exported = readFileSync(target, "utf8").trim().split("\n").map((line) => JSON.parse(line) as Checkpoint);
    expect(exported).toEqual(await stored());
    expect(readFileSync(`${target}.pub.pem`, "utf8")).toBe(exportCheckpointPublicKey());
  });

  it("reports the first bad seq and exits 1 when a row was edited", async () => {
    const tamper = (sql: string) =>
      withAdminClient(async (client) => {
        await client.query("BEGIN");
        await client.query("ALTER TABLE audit_event DISABLE TRIGGER USER");
        await client.query(sql);
        await client.query("ALTER TABLE audit_event ENABLE TRIGGER USER");
        await client.query("COMMIT");
      });
    await tamper("UPDATE audit_event SET outcome = 'denied' WHERE chain_seq = 7");
    try {
      const { code, output } = await runVerifier();
      expect(output).toMatch(/^FAILED at seq 7: modified \(.+\)$/m);
      expect(code).toBe(1);
    } finally {
      await tamper("UPDATE audit_event SET outcome = 'allowed' WHERE chain_seq = 7");
    }
  });
});

describe("a checkpoint file shared by mistake", () => {
  it("ignores lines signed by another key (a benchmark's throwaway key), but still holds the log to its own", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const stranger = { seq: "999999", hash: "f".repeat(64), signedAt: new Date().toISOString() };
    const line: Checkpoint = { ...stranger, signature: sign(null, checkpointMessage(stranger), privateKey).toString("base64"), keyId: checkpointKeyId(publicKey) };
    appendFileSync(checkpointFile(), `${JSON.stringify(line)}\n`);
    expect(await verifyAuditLog({ record: false })).toMatchObject({ ok: true, ignoredCheckpoints: 1 });

    const ours = readCheckpointFile().find((cp) => cp.keyId !== line.keyId)!;
    appendFileSync(checkpointFile(), `${JSON.stringify({ ...ours, seq: "999999" })}\n`);
    expect(await verifyAuditLog({ record: false })).toMatchObject({ ok: false, firstBadSeq: 999999, kind: "modified" });
  });
});
