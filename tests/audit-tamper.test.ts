import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { headFile, readCheckpointFile } from "@/lib/audit/checkpoint";
import { sealHash, writerMac } from "@/lib/audit/hashes";
import { contentOf, EVENT_COLUMNS, type StoredEvent } from "@/lib/audit/log-reader";
import { writerMacValid } from "@/lib/audit/row-hash";
import { keyProvider } from "@/lib/crypto/keys";
import { sealAll } from "@/lib/audit/sealer";
import { MAX_PROBLEMS, verifyAuditLog, type VerifyResult } from "@/lib/audit/verify";
import { disconnectPrisma } from "@/lib/db/client";
import { withSystem } from "@/lib/db/transaction";
import { quoteIdent, withDatabase } from "@/lib/db/urls";
import { adminQuery, isEmbedded, testDatabaseUrl, withAdminClient } from "./helpers/db";
import { request } from "./helpers/fixtures";
import { testDatabaseName } from "./setup/global";

// Hoisted above the imports: this file's checkpoints go to its own folder, never the shared data folder.
const checkpointDir = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? "/tmp"}/custodia-tamper-${process.pid}-${Date.now()}`;
  process.env.CUSTODIA_CHECKPOINT_DIR = dir;
  process.env.AUDIT_CHECKPOINT_EVERY = "1000";
  process.env.AUDIT_CHECKPOINT_MINUTES = "60";
  return dir;
});

const EVENTS = 10_000;
const PER_TRANSACTION = 50;

async function appendEvents(count: number, tag: string): Promise<void> {
  for (let start = 0; start < count; start += PER_TRANSACTION) {
    await withSystem(request(), async ({ audit }) => {
      for (let i = start; i < Math.min(start + PER_TRANSACTION, count); i++) audit({ action: `test.${tag}`, resourceId: String(i), details: { tag, i } });
    });
  }
  await sealAll();
}

async function head(): Promise<number> {
  const [row] = await adminQuery<{ seq: string | null }>("SELECT max(chain_seq)::text AS seq FROM audit_event");
  return Number(row!.seq ?? 0);
}

type Statement = [sql: string, params?: unknown[]];

/** The database superuser switches the immutability triggers off: the insider the chain must still expose. */
async function asSuperuser(statements: Statement[]): Promise<void> {
  await withAdminClient(async (client) => {
    await client.query("BEGIN");
    await client.query("ALTER TABLE audit_event DISABLE TRIGGER USER");
    await client.query("ALTER TABLE audit_checkpoint DISABLE TRIGGER USER");
    for (const [sql, params] of statements) await client.query(sql, params);
    await client.query("ALTER TABLE audit_event ENABLE TRIGGER USER");
    await client.query("ALTER TABLE audit_checkpoint ENABLE TRIGGER USER");
    await client.query("COMMIT");
  });
}

/** Tampers, verifies without recording, then puts chain positions from..to of both tables back exactly as they were. */
async function verifyTampered(from: number, to: number, ...tamper: Statement[]): Promise<VerifyResult> {
  const [saved] = await adminQuery<{ events: unknown[]; checkpoints: unknown[] }>(
    `SELECT (SELECT coalesce(jsonb_agg(to_jsonb(e)), '[]') FROM audit_event e WHERE chain_seq BETWEEN $1 AND $2) AS events,
      (SELECT coalesce(jsonb_agg(to_jsonb(c)), '[]') FROM audit_checkpoint c WHERE seq BETWEEN $1 AND $2) AS checkpoints`,
    [from, to],
  );
  await asSuperuser(tamper);
  try {
    return await verifyAuditLog({ record: false });
  } finally {
    await asSuperuser([
      ["DELETE FROM audit_event WHERE chain_seq BETWEEN $1 AND $2", [from, to]],
      ["DELETE FROM audit_checkpoint WHERE seq BETWEEN $1 AND $2", [from, to]],
      ["INSERT INTO audit_event SELECT * FROM jsonb_populate_recordset(null::audit_event, $1)", [JSON.stringify(saved!.events)]],
      ["INSERT INTO audit_checkpoint SELECT * FROM jsonb_populate_recordset(null::audit_checkpoint, $1)", [JSON.stringify(saved!.checkpoints)]],
    ]);
  }
}

// The content with its writer MAC and chain link: everything but the event id and its chain position.
const CONTENT = "occurred_at, actor_id, actor_role, action, resource_type, resource_id, patient_pseudonym, outcome, ip, user_agent, request_id, details, writer_mac, net_salt, ip_digest, user_agent_digest, prev_hash, hash";
const copyRow = (from: number, to: number): Statement => [
  `UPDATE audit_event t SET (${CONTENT}) = (SELECT ${CONTENT} FROM audit_event s WHERE s.chain_seq = $1) WHERE t.chain_seq = $2`,
  [from, to],
];
// One statement: the subquery reads both rows as they were before either is overwritten.
const swapRows = (a: number, b: number): Statement => [
  `UPDATE audit_event t SET (${CONTENT}) = (SELECT ${CONTENT} FROM audit_event s WHERE s.chain_seq = $1::bigint + $2::bigint - t.chain_seq) WHERE t.chain_seq IN ($1, $2)`,
  [a, b],
];

beforeAll(async () => {
  await appendEvents(EVENTS, "bulk");
}, 300_000);
afterAll(() => rmSync(checkpointDir, { recursive: true, force: true }));

describe("audit log verification", () => {
  it("verifies a clean log of 10,000 events with a signed checkpoint every 1,000, and audits the verification", async () => {
    const result = await verifyAuditLog();
    expect(result).toMatchObject({ ok: true, events: EVENTS, lastSeq: EVENTS, checkpoints: 10 });
    expect(readCheckpointFile().map((cp) => Number(cp.seq))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((k) => k * 1000));
    const [event] = await adminQuery("SELECT action, details FROM audit_event ORDER BY seq DESC LIMIT 1");
    expect(event).toEqual({ action: "audit.verify", details: { ok: true, events: EVENTS } });
  });

  it("verifies logs written by 50 concurrent writers", async () => {
    await Promise.all(
      Array.from({ length: 50 }, (_, w) =>
        withSystem(request(), async ({ audit }) => {
          for (let j = 0; j < 3; j++) audit({ action: "test.concurrent", details: { w, j } });
        }),
      ),
    );
    await sealAll();
    expect(await verifyAuditLog({ record: false })).toMatchObject({ ok: true, events: await head() });
  });
});

describe("tamper detection, by the database superuser with the triggers off", () => {
  const bad = (firstBadSeq: number, kind: string) => ({ ok: false, firstBadSeq, kind });

  it("an edited field: modified, at its seq", async () => {
    expect(await verifyTampered(5000, 5000, ["UPDATE audit_event SET action = 'test.forged' WHERE chain_seq = 5000"])).toMatchObject(bad(5000, "modified"));
  });

  it("a sub-millisecond shift of occurred_at: modified", async () => {
    const shift: Statement = ["UPDATE audit_event SET occurred_at = occurred_at + interval '1 microsecond' WHERE chain_seq = 2500"];
    expect(await verifyTampered(2500, 2500, shift)).toMatchObject(bad(2500, "modified"));
  });

  it("a deleted row: deleted, at the first missing seq", async () => {
    expect(await verifyTampered(7000, 7000, ["DELETE FROM audit_event WHERE chain_seq = 7000"])).toMatchObject(bad(7000, "deleted"));
  });

  it("a forged row appended with a wrong HMAC: inserted", async () => {
    const end = await head();
    const forge: Statement = [
      `INSERT INTO audit_event (chain_seq, occurred_at, action, outcome, details, writer_mac, prev_hash, hash)
       SELECT chain_seq + 1, now(), 'auth.sign_in', 'allowed', '{}', $1, hash, $1 FROM audit_event WHERE chain_seq = $2`,
      [randomBytes(32).toString("hex"), end],
    ];
    expect(await verifyTampered(end + 1, end + 1, forge)).toMatchObject(bad(end + 1, "inserted"));
  });

  it("two rows swapped: reordered, at the earlier seq", async () => {
    expect(await verifyTampered(4000, 4001, swapRows(4000, 4001))).toMatchObject(bad(4000, "reordered"));
    expect(await verifyTampered(4100, 4200, swapRows(4100, 4200))).toMatchObject(bad(4100, "reordered"));
  });

  it("a row overwritten with an earlier row's content: duplicated, at the copy", async () => {
    expect(await verifyTampered(6000, 6000, copyRow(3000, 6000))).toMatchObject(bad(6000, "duplicated"));
  });

  it("a truncated tail, its database checkpoints deleted too: truncated, caught by the external file", async () => {
    const end = await head();
    const keep = end - 1500;
    const truncate: Statement[] = [
      ["DELETE FROM audit_event WHERE chain_seq > $1", [keep]],
      ["DELETE FROM audit_checkpoint WHERE seq > $1", [keep]],
    ];
    expect(await verifyTampered(keep + 1, end, ...truncate)).toMatchObject(bad(keep + 1, "truncated"));
  });

  it("the newest events deleted after the last checkpoint: truncated, caught by the head published at sealing", async () => {
    const end = await head();
    expect(readCheckpointFile().every((cp) => Number(cp.seq) < end)).toBe(true);
    const result = await verifyTampered(end - 2, end, ["DELETE FROM audit_event WHERE chain_seq >= $1", [end - 2]]);
    expect(result).toMatchObject(bad(end - 2, "truncated"));
    expect(result.ok || result.detail).toContain(headFile());
  });

  it("an insider with the HMAC key rewrites a checkpointed row and re-chains the rest: modified at the checkpoint, rewritten with the HMAC key", async () => {
    const at = 10_000;
    const end = await head();
    expect(await adminQuery("SELECT 1 FROM audit_checkpoint WHERE seq = $1", [at])).toHaveLength(1);
    const key = keyProvider().secret("auditHmac");
    const rows = await adminQuery<StoredEvent>(`SELECT ${EVENT_COLUMNS} FROM audit_event WHERE chain_seq >= $1 ORDER BY chain_seq`, [at]);
    const rewritten = { ...rows[0]!, details: { ...rows[0]!.details, rewritten: true } };
    rewritten.writer_mac = writerMac(key, contentOf(rewritten));
    let prev = rewritten.prev_hash;
    const chain = [rewritten, ...rows.slice(1)].map((row) => {
      const hash = sealHash(key, prev, row.chain_seq, row.writer_mac, writerMacValid(key, row));
      const link = { seq: row.chain_seq, prev, hash };
      prev = hash;
      return link;
    });
    const result = await verifyTampered(at, end,
      ["UPDATE audit_event SET details = $1::jsonb, writer_mac = $2 WHERE chain_seq = $3", [JSON.stringify(rewritten.details), rewritten.writer_mac, at]],
      [`UPDATE audit_event e SET prev_hash = l.prev, hash = l.hash
        FROM unnest($1::bigint[], $2::text[], $3::text[]) AS l(seq, prev, hash) WHERE e.chain_seq = l.seq`,
       [chain.map((l) => l.seq), chain.map((l) => l.prev), chain.map((l) => l.hash)]],
    );
    expect(result).toMatchObject(bad(at, "modified"));
    expect(result.ok || result.detail).toMatch(/rewritten with the HMAC key/);
  });

  it("a checkpoint with a forged signature: reported at its seq", async () => {
    const forge: Statement = ["UPDATE audit_checkpoint SET signature = (SELECT signature FROM audit_checkpoint WHERE seq = 1000) WHERE seq = 2000"];
    const result = await verifyTampered(2000, 2000, forge);
    expect(result).toMatchObject(bad(2000, "modified"));
    expect(result.ok || result.detail).toMatch(/invalid signature/);
  });

  // Every column a row carries, bar its position: seq and chain_seq are what the deleted, inserted and
  // reordered cases above move. Enumerated, so a column added later fails the first test until it has a case.
  const mutations: Record<string, string> = {
    occurred_at: "occurred_at = occurred_at + $2::double precision * interval '1 microsecond'",
    actor_id: "actor_id = gen_random_uuid()",
    actor_role: "actor_role = coalesce(actor_role, '') || 'x'",
    action: "action = action || '.x'",
    resource_type: "resource_type = coalesce(resource_type, '') || 'x'",
    resource_id: "resource_id = coalesce(resource_id, '') || 'x'",
    patient_pseudonym: "patient_pseudonym = coalesce(patient_pseudonym, '') || 'x'",
    outcome: "outcome = CASE outcome WHEN 'allowed' THEN 'denied' ELSE 'allowed' END",
    ip: "ip = coalesce(ip, '') || '1'",
    user_agent: "user_agent = coalesce(user_agent, '') || 'x'",
    request_id: "request_id = coalesce(request_id, '') || 'x'",
    details: `details = details || '{"tampered": true}'`,
    writer_mac: "writer_mac = md5(writer_mac)",
    net_salt: "net_salt = coalesce(net_salt, '') || 'x'",
    ip_digest: "ip_digest = md5(coalesce(ip_digest, '')) || md5(coalesce(ip_digest, ''))",
    user_agent_digest: "user_agent_digest = md5(coalesce(user_agent_digest, '')) || md5(coalesce(user_agent_digest, ''))",
    prev_hash: "prev_hash = md5(prev_hash) || md5(hash)",
    hash: "hash = md5(hash) || md5(prev_hash)",
  };

  it("has a tampering case for every column of the log", async () => {
    const columns = await adminQuery<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'audit_event' AND column_name NOT IN ('seq', 'chain_seq')",
    );
    expect(columns.map((c) => c.column_name).sort()).toEqual(Object.keys(mutations).sort());
  });

  it.each(Object.keys(mutations))("a change to %s on a random row is found at that row", async (column) => {
    const end = await head();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: end }), fc.integer({ min: 1, max: 3_600_000_000 }), async (seq, micros) => {
        const params = column === "occurred_at" ? [seq, micros] : [seq];
        const result = await verifyTampered(seq, seq, [`UPDATE audit_event SET ${mutations[column]} WHERE chain_seq = $1`, params]);
        expect(result).toMatchObject({ ok: false, firstBadSeq: seq });
        // The last row has no successor to vouch for its hash: a forgery there looks the same as an edit.
        if (seq < end) expect(result).toMatchObject({ kind: "modified" });
      }),
      { numRuns: 3 },
    );
    expect(await verifyAuditLog({ record: false })).toMatchObject({ ok: true });
  }, 300_000);

  // Review finding M2: a verifier that stops at the first forgery hides how far a tampering reaches.
  it("several tampered spots: every one is listed in chain order and the verification carries on past each", async () => {
    const result = await verifyTampered(3000, 7000,
      ["UPDATE audit_event SET action = 'test.forged' WHERE chain_seq = 3000"],
      swapRows(4100, 4200),
      ["DELETE FROM audit_event WHERE chain_seq = 7000"],
    );
    expect(result).toMatchObject(bad(3000, "modified"));
    expect(result.ok || result.problems.map((p) => [p.seq, p.kind])).toEqual([[3000, "modified"], [4100, "reordered"], [4200, "reordered"], [7000, "deleted"]]);
    expect(result.ok || result.moreProblems).toBe(false);
  });

  it("a tampering of 150 rows lists the first 100 problems and says there are more", async () => {
    const result = await verifyTampered(8000, 8149, ["UPDATE audit_event SET action = action || '.x' WHERE chain_seq BETWEEN 8000 AND 8149"]);
    expect(result).toMatchObject(bad(8000, "modified"));
    if (result.ok) return;
    expect(result.problems).toHaveLength(MAX_PROBLEMS);
    expect(result.problems.map((p) => p.seq)).toEqual(Array.from({ length: MAX_PROBLEMS }, (_, i) => 8000 + i));
    expect(result.problems.every((p) => p.kind === "modified")).toBe(true);
    expect(result.moreProblems).toBe(true);
  });

  it("a tampering at the cut between two parallel segments is found once, at its row", async () => {
    const end = await head();
    // With 4 segments the first ends at ceil(end / 4): its last row, then the next segment's first.
    const cut = Math.ceil(end / 4);
    const segmented = async (...tamper: Statement[]) => {
      const saved = { from: cut, to: cut + 1 };
      const [before] = await adminQuery<{ events: unknown[] }>(
        "SELECT coalesce(jsonb_agg(to_jsonb(e)), '[]') AS events FROM audit_event e WHERE chain_seq BETWEEN $1 AND $2", [saved.from, saved.to]);
      await asSuperuser(tamper);
      try {
        return await verifyAuditLog({ record: false, segments: 4, batchSize: 1000 });
      } finally {
        await asSuperuser([
          ["DELETE FROM audit_event WHERE chain_seq BETWEEN $1 AND $2", [saved.from, saved.to]],
          ["INSERT INTO audit_event SELECT * FROM jsonb_populate_recordset(null::audit_event, $1)", [JSON.stringify(before!.events)]],
        ]);
      }
    };
    const lastOfFirst = await segmented(["UPDATE audit_event SET hash = md5(hash) || md5(prev_hash) WHERE chain_seq = $1", [cut]]);
    expect(lastOfFirst.ok || lastOfFirst.problems.map((p) => [p.seq, p.kind])).toEqual([[cut, "modified"]]);
    const firstOfNext = await segmented(["UPDATE audit_event SET prev_hash = md5(prev_hash) || md5(hash) WHERE chain_seq = $1", [cut + 1]]);
    expect(firstOfNext.ok || firstOfNext.problems.map((p) => [p.seq, p.kind])).toEqual([[cut + 1, "modified"]]);
    expect(await verifyAuditLog({ record: false, segments: 4, batchSize: 1000 })).toMatchObject({ ok: true, events: end });
  });

  // Last: it leaves the log and the checkpoint file diverged for good.
  it("a database restored to an older copy that then carried on: rolled-back, at the first contradicted checkpoint", async () => {
    const end = await head();
    const older = isEmbedded() ? await emulateRestore(end) : await snapshot();
    await appendEvents(1000, "after-backup");
    const expected = Math.min(...readCheckpointFile().map((cp) => Number(cp.seq)).filter((seq) => seq > older.end));
    try {
      await older.carryOn();
      expect(await verifyAuditLog({ databaseUrl: older.url, record: false })).toMatchObject(bad(expected, "rolled-back"));
    } finally {
      await older.drop();
    }
  }, 300_000);
});

interface OlderCopy {
  url: string;
  end: number;
  carryOn(): Promise<void>;
  drop(): Promise<void>;
}

/** A real backup: a copy of this database, taken before more events and checkpoints were written. */
async function snapshot(): Promise<OlderCopy> {
  const server = inject("testDb").server;
  const source = new URL(testDatabaseUrl()).pathname.slice(1);
  const name = testDatabaseName();
  const url = withDatabase(server, name);
  // A template must have no other connections.
  await disconnectPrisma();
  await withAdminClient((admin) => admin.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(source)}`), server);
  const end = await head();
  return {
    url,
    end,
    carryOn: async () => {
      // The restored copy goes back into service and writes its own, different, events and checkpoints.
      await disconnectPrisma();
      const current = process.env.DATABASE_URL;
      process.env.DATABASE_URL = url;
      try {
        await appendEvents(1500, "restored");
      } finally {
        await disconnectPrisma();
        process.env.DATABASE_URL = current;
      }
    },
    drop: () => withAdminClient((admin) => admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`), server).then(() => undefined),
  };
}

/** The embedded database has no second copy: rewind this one to an earlier seq, as a restore would, before it carries on. */
async function emulateRestore(end: number): Promise<OlderCopy> {
  const back = end - 300;
  return {
    url: testDatabaseUrl(),
    end: back,
    carryOn: async () => {
      const now = await head();
      await asSuperuser([
        ["DELETE FROM audit_event WHERE chain_seq > $1", [back]],
        ["DELETE FROM audit_checkpoint WHERE seq > $1", [back]],
      ]);
      await appendEvents(now - back + 500, "restored");
    },
    drop: async () => undefined,
  };
}
