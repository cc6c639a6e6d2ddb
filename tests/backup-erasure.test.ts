import { spawn, spawnSync } from "node:child_process";
import { createReadStream, createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { generate } from "otplib";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { noRequest } from "@/lib/access/actor";
import { createBackup } from "@/lib/backup/create";
import { KEYS_SUFFIX } from "@/lib/backup/key-backup";
import type { Manifest } from "@/lib/backup/manifest";
import { restoreBackup } from "@/lib/backup/restore";
import { DecryptStream } from "@/lib/backup/stream-cipher";
import { clearDataKeyCache, unwrapDataKey } from "@/lib/crypto/envelope";
import { decryptField } from "@/lib/crypto/field";
import { keyProvider } from "@/lib/crypto/keys";
import { withDatabase } from "@/lib/db/urls";
import { addRecord } from "@/lib/services/chart";
import { DecryptError } from "@/lib/crypto/errors";
import { openSystem } from "@/lib/crypto/secret";
import { breakGlass } from "@/lib/services/break-glass";
import { reviewBreakGlass } from "@/lib/services/break-glass-review";
import { submitRequest } from "@/lib/services/data-requests";
import { decideRequest, extendRequest } from "@/lib/services/request-decisions";
import { processDueErasures, replayErasureLedger } from "@/lib/services/erasure";
import { readLedgerFile } from "@/lib/services/erasure-ledger";
import { pseudonym } from "@/lib/crypto/pseudonym";
import { adminQuery, freshEmptyDatabase, isEmbedded, withAdminClient, type EmptyDatabase } from "./helpers/db";
import { actorOf, confirmedErasure, identity, makeCareTeam, makeUser, type TestUser } from "./helpers/fixtures";

// The key window of docs/decisions/0013, two seconds here instead of seven days.
const WINDOW_SECONDS = 2;
const backupDir = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? "/tmp"}/custodia-backup-erasure-${process.pid}-${Date.now()}`;
  process.env.BACKUP_DIR = dir;
  process.env.BACKUP_KEY_RETENTION_DAYS = String(2 / 86_400);
  return dir;
});

const GIVEN = "Qerasedgiven";
// Text about the erased patient outside their identity and records (README: "Erasure and old backups").
const TEXT = {
  displayName: "Qerasedaccountname",
  requestReason: "Qerasedrequestreason",
  extendedReason: "Qerasedextendedreason",
  decisionReason: "Qeraseddecisionreason",
  breakGlassReason: "Qerasedbreakglassreason",
  reviewComment: "Qerasedreviewcomment",
};

interface KeyRow {
  patientId: string;
  dekWrapped: string;
}

/** Every wrapped data key any key backup left in the folder holds: what an attacker with the folder and the master key has. */
async function keysLeftInBackups(): Promise<KeyRow[]> {
  const rows: KeyRow[] = [];
  for (const name of readdirSync(backupDir).filter((n) => n.endsWith(KEYS_SUFFIX))) {
    const decrypt = new DecryptStream(keyProvider().secret("backup"), `${name.slice(0, -KEYS_SUFFIX.length)}.keys`);
    const parts: Buffer[] = [];
    await pipeline(createReadStream(join(backupDir, name)), decrypt, async (source: AsyncIterable<Buffer>) => {
      for await (const part of source) parts.push(part);
    });
    rows.push(...Buffer.concat(parts).toString("utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as KeyRow));
  }
  return rows;
}

/** The decrypted dump as pg_restore writes it out: every row it holds, as SQL text (the dump itself is compressed). */
async function dumpAsText(manifest: Manifest): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "custodia-dump-"));
  try {
    const plain = join(dir, "dump");
    await pipeline(createReadStream(join(backupDir, manifest.file)), new DecryptStream(keyProvider().secret("backup"), manifest.id), createWriteStream(plain));
    const raw = readFileSync(plain);
    const script = spawnSync("pg_restore", ["--file=-", plain], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    expect(script.status).toBe(0);
    expect(script.stdout).toContain("COPY public.app_user");
    return `${raw.toString("latin1")}\n${script.stdout}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What pg_restore lists in the decrypted dump: the table of contents, data entries included. */
async function dumpContents(manifest: Manifest): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "custodia-dump-"));
  try {
    const plain = join(dir, "dump");
    await pipeline(createReadStream(join(backupDir, manifest.file)), new DecryptStream(keyProvider().secret("backup"), manifest.id), createWriteStream(plain));
    const listed = spawnSync("pg_restore", ["--list", plain], { encoding: "utf8" });
    expect(listed.status).toBe(0);
    return listed.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function opens(patientId: string, wrapped: string, ciphertext: string, table: string, column: string, rowId: string): boolean {
  clearDataKeyCache();
  try {
    decryptField(unwrapDataKey(patientId, wrapped), ciphertext, { table, column, rowId });
    return true;
  } catch {
    return false;
  }
}

function replayInto(databaseName: string): Promise<{ code: number | null; output: string }> {
  const env = {
    ...process.env,
    DATABASE_URL: withDatabase(process.env.DATABASE_URL!, databaseName),
    MIGRATION_DATABASE_URL: withDatabase(process.env.MIGRATION_DATABASE_URL!, databaseName),
  };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/erasure-replay.ts"], { env });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("exit", (code) => resolve({ code, output }));
  });
}

// On PostgreSQL (replay names its target database on the server); on the embedded database, that the data keys
// stay out of the dump is tested in tests/backup-embedded.test.ts.
describe.skipIf(isEmbedded())("erasure against backups taken before it (docs/decisions/0013)", () => {
  let erased: TestUser;
  let kept: TestUser;
  let before: Manifest;
  let after: Manifest;
  let oldWrapped: string;
  let target: EmptyDatabase;
  let erasedMrn: string;

  beforeAll(async () => {
    const clinician = await makeUser("clinician");
    const outsider = await makeUser("clinician");
    const admin = await makeUser("admin");
    erasedMrn = identity().mrn!;
    erased = await makeUser("patient", { patient: identity({ givenName: GIVEN, familyName: "Erased", mrn: erasedMrn }), displayName: TEXT.displayName });
    kept = await makeUser("patient", { patient: identity({ givenName: "Qkeptgiven", familyName: "Kept" }), displayName: "Qkeptaccountname" });
    const asked = await submitRequest(actorOf(erased), { kind: "restriction", reason: TEXT.requestReason });
    await extendRequest(actorOf(admin), { requestId: asked, reason: TEXT.extendedReason });
    await decideRequest(actorOf(admin), { requestId: asked, decision: "reject", reason: TEXT.decisionReason });
    await breakGlass(actorOf(outsider), { mrn: erasedMrn, reason: TEXT.breakGlassReason, code: await generate({ secret: outsider.totpSecret! }) });
    const [grant] = await adminQuery<{ id: string }>("SELECT id::text FROM break_glass_grant WHERE patient_id = $1", [erased.patientId]);
    await reviewBreakGlass(actorOf(await makeUser("auditor")), { grantId: grant!.id, decision: "approved", comment: TEXT.reviewComment });
    await makeCareTeam([clinician.id], [erased.patientId!, kept.patientId!]);
    for (const p of [erased, kept]) {
      await addRecord(actorOf(clinician), { patientId: p.patientId!, content: { kind: "note", date: "2026-05-05", title: "Visit", text: `${GIVEN} note` } });
    }
    [{ dek_wrapped: oldWrapped }] = (await adminQuery<{ dek_wrapped: string }>("SELECT dek_wrapped FROM patient_key WHERE patient_id = $1", [erased.patientId])) as [{ dek_wrapped: string }];
    before = await createBackup();
    await submitRequest(actorOf(erased), confirmedErasure);
    expect(await processDueErasures(noRequest, new Date(Date.now() + 31 * 86_400_000))).toBe(1);
    // The window passes; the next daily backup prunes the key backups older than it.
    await new Promise((resolve) => setTimeout(resolve, (WINDOW_SECONDS + 1) * 1000));
    after = await createBackup();
    target = await freshEmptyDatabase();
  }, 120_000);

  afterAll(async () => {
    await target?.drop();
    rmSync(backupDir, { recursive: true, force: true });
  });

  it("after the window, the old dump yields none of the erased patient's e-mail, account name, request text, break-glass reason or review", async () => {
    const plain = await dumpAsText(before);
    // The same dump holds the kept patient's account name as ciphertext only, and the erased one's in no form at all.
    for (const secret of [erased.email, ...Object.values(TEXT), "Qkeptaccountname", kept.email]) expect(plain).not.toContain(secret);

    const scratch = await freshEmptyDatabase();
    try {
      await restoreBackup({ id: before.id, into: scratch.url });
      const rows = async <T,>(sql: string, params: unknown[] = []) => withAdminClient(async (c) => (await c.query(sql, params)).rows as T[], scratch.url);
      let everything = "";
      for (const table of ["app_user", "data_request", "break_glass_grant", "break_glass_review", "data_request_event", "alert", "audit_event"]) {
        everything += (await rows<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM ${table} t`)).map((r) => r.row).join("\n");
      }
      for (const secret of [erased.email, ...Object.values(TEXT)]) expect(everything).not.toContain(secret);

      // Every sealed value about the erased patient that came back, tried with every key that remains: the system
      // key and each wrapped data key for them (the restored key store's, the key backups still in the folder).
      const sealed = [
        ...(await rows<{ id: string; column: string; ct: string }>(
          `SELECT id::text, 'email_enc' AS column, email_enc AS ct FROM app_user WHERE patient_id = $1
           UNION ALL SELECT id::text, 'display_name_enc', display_name_enc FROM app_user WHERE patient_id = $1`,
          [erased.patientId],
        )).map((r) => ({ ...r, table: "app_user" })),
        ...(await rows<{ id: string; column: string; ct: string }>(
          `SELECT id::text, 'details_enc' AS column, details_enc AS ct FROM data_request WHERE patient_id = $1
           UNION ALL SELECT id::text, 'decision_reason_enc', decision_reason_enc FROM data_request WHERE patient_id = $1
           UNION ALL SELECT id::text, 'extended_reason_enc', extended_reason_enc FROM data_request WHERE patient_id = $1`,
          [erased.patientId],
        )).map((r) => ({ ...r, table: "data_request" })),
        ...(await rows<{ id: string; column: string; ct: string }>("SELECT id::text, 'reason_enc' AS column, reason_enc AS ct FROM break_glass_grant WHERE patient_id = $1", [erased.patientId]))
          .map((r) => ({ ...r, table: "break_glass_grant" })),
        ...(await rows<{ id: string; column: string; ct: string }>(
          "SELECT r.grant_id::text AS id, 'comment_enc' AS column, r.comment_enc AS ct FROM break_glass_review r JOIN break_glass_grant g ON g.id = r.grant_id WHERE g.patient_id = $1",
          [erased.patientId],
        )).map((r) => ({ ...r, table: "break_glass_review" })),
      ];
      expect(sealed.map((s) => `${s.table}.${s.column}`).sort()).toEqual([
        "app_user.display_name_enc", "app_user.email_enc", "break_glass_grant.reason_enc", "break_glass_review.comment_enc",
        "data_request.decision_reason_enc", "data_request.details_enc", "data_request.extended_reason_enc",
      ]);
      const restoredKeys = await rows<{ dek_wrapped: string }>("SELECT dek_wrapped FROM patient_key WHERE patient_id = $1", [erased.patientId]);
      const candidates = [...restoredKeys.map((k) => k.dek_wrapped), ...(await keysLeftInBackups()).filter((r) => r.patientId === erased.patientId).map((r) => r.dekWrapped)];
      expect(candidates.length).toBeGreaterThan(0);
      for (const s of sealed) {
        expect(() => openSystem(s.ct, { table: s.table, column: s.column, rowId: s.id })).toThrow(DecryptError);
        for (const wrapped of candidates) expect(opens(erased.patientId!, wrapped, s.ct, s.table, s.column, s.id)).toBe(false);
        // Only the destroyed key opened it.
        expect(opens(erased.patientId!, oldWrapped, s.ct, s.table, s.column, s.id)).toBe(true);
      }

      // The kept patient's account name in the same dump still opens with the key left for them.
      const [keptUser] = await rows<{ id: string; display_name_enc: string; dek_wrapped: string }>(
        "SELECT u.id::text, u.display_name_enc, k.dek_wrapped FROM app_user u JOIN patient_key k ON k.patient_id = u.patient_id WHERE u.patient_id = $1",
        [kept.patientId],
      );
      clearDataKeyCache();
      expect(decryptField(unwrapDataKey(kept.patientId!, keptUser!.dek_wrapped), keptUser!.display_name_enc, { table: "app_user", column: "display_name_enc", rowId: keptUser!.id })).toBe("Qkeptaccountname");
    } finally {
      await scratch.drop();
    }
  }, 120_000);

  it("keeps the data keys out of the dump, and the old key backup only for the window", async () => {
    const contents = await dumpContents(before);
    expect(contents).toMatch(/TABLE DATA public patient_identity /);
    expect(contents).not.toMatch(/TABLE DATA public patient_key /);
    // The old database backup is still kept (35 days, monthly for years); its key backup is not.
    expect(existsSync(join(backupDir, before.file))).toBe(true);
    expect(existsSync(join(backupDir, before.keys!.file))).toBe(false);
    expect(existsSync(join(backupDir, after.keys!.file))).toBe(true);
    const [prune] = await adminQuery<{ details: { removedKeys: string[]; removed: string[] } }>("SELECT details FROM audit_event WHERE action = 'backup.prune' ORDER BY seq DESC LIMIT 1");
    expect(prune?.details).toMatchObject({ removedKeys: [before.id], removed: [] });
    // The erased patient's old wrapped key is nowhere in what is left.
    const left = await keysLeftInBackups();
    expect(left.map((k) => k.dekWrapped)).not.toContain(oldWrapped);
    expect(left.map((k) => k.patientId)).toContain(kept.patientId);
  });

  it("restores the old backup: the kept patient decrypts, the erased one cannot, with any key left; replay erases what came back", async () => {
    await restoreBackup({ id: before.id, into: target.url });
    const [restored] = await adminQuery<{ details: Record<string, string> }>("SELECT details FROM audit_event WHERE action = 'backup.restore' AND outcome = 'allowed' ORDER BY seq DESC LIMIT 1");
    expect(restored?.details.keysFrom).toBe(after.id);
    const rows = (sql: string, params: unknown[]) => withAdminClient(async (c) => (await c.query(sql, params)).rows, target.url);
    const identityOf = async (patientId: string) =>
      (await rows("SELECT k.dek_wrapped, i.given_name_enc FROM patient_identity i LEFT JOIN patient_key k ON k.patient_id = i.patient_id WHERE i.patient_id = $1", [patientId]))[0] as
        { dek_wrapped: string | null; given_name_enc: string } | undefined;

    const k = (await identityOf(kept.patientId!))!;
    expect(opens(kept.patientId!, k.dek_wrapped!, k.given_name_enc, "patient_identity", "given_name_enc", kept.patientId!)).toBe(true);

    // The old dump brings the erased patient's identity and records back, as ciphertext no key left opens.
    const e = (await identityOf(erased.patientId!))!;
    expect(e).toBeDefined();
    const candidates = [e.dek_wrapped, ...(await keysLeftInBackups()).filter((r) => r.patientId === erased.patientId).map((r) => r.dekWrapped)].filter((w): w is string => w !== null);
    expect(candidates.length).toBeGreaterThan(0);
    const records = (await rows("SELECT id::text, content_enc FROM clinical_record WHERE patient_id = $1", [erased.patientId])) as { id: string; content_enc: string }[];
    expect(records.length).toBe(1);
    for (const wrapped of candidates) {
      expect(opens(erased.patientId!, wrapped, e.given_name_enc, "patient_identity", "given_name_enc", erased.patientId!)).toBe(false);
      for (const r of records) expect(opens(erased.patientId!, wrapped, r.content_enc, "clinical_record", "content_enc", r.id)).toBe(false);
    }
    // Only the key that was destroyed would have opened them.
    expect(opens(erased.patientId!, oldWrapped, e.given_name_enc, "patient_identity", "given_name_enc", erased.patientId!)).toBe(true);

    const replay = await replayInto(new URL(target.url).pathname.slice(1));
    expect(replay.output).toContain("re-applied 1 erasures");
    expect(replay.code).toBe(0);
    expect(await identityOf(erased.patientId!)).toBeUndefined();
    expect(await identityOf(kept.patientId!)).toBeDefined();
    const [event] = await rows("SELECT details FROM audit_event WHERE action = 'erasure.execute' ORDER BY seq DESC LIMIT 1", []) as { details: Record<string, unknown> }[];
    expect(event?.details).toMatchObject({ replay: true, unreadableRecords: 1, retainedRecords: 0 });
  }, 120_000);
});

describe.skipIf(isEmbedded())("the erasure ledger: the database's copy is the truth, the file is written from it", () => {
  const dir = `${backupDir}-ledger`;
  const blocker = `${backupDir}-ledger-blocker`;
  let target: EmptyDatabase;

  beforeAll(() => {
    vi.stubEnv("BACKUP_DIR", dir);
    // The file's folder is a plain file: every write fails, as on a full disk or a lost mount.
    writeFileSync(blocker, "");
    vi.stubEnv("CUSTODIA_ERASURE_LEDGER", join(blocker, "erasure-ledger.jsonl"));
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await target?.drop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(blocker, { recursive: true, force: true });
  });

  it("a failed file write during an erasure is retried from the database; the patient stays erased after restore + replay", async () => {
    const patient = await makeUser("patient", { patient: identity({ givenName: "Qledgergiven", familyName: "Ledger" }) });
    const before = await createBackup();
    await submitRequest(actorOf(patient), confirmedErasure);
    // The erasure commits although the file cannot be written.
    expect(await processDueErasures(noRequest, new Date(Date.now() + 31 * 86_400_000))).toBe(1);
    expect(existsSync(join(blocker, "erasure-ledger.jsonl"))).toBe(false);
    const [row] = await adminQuery<{ n: number }>("SELECT count(*)::int AS n FROM erasure_ledger WHERE patient_pseudonym = $1", [pseudonym(patient.patientId!)]);
    expect(row?.n).toBe(1);
    // The disk comes back; the background retry writes the file from the database.
    rmSync(blocker);
    for (let i = 0; i < 40 && !readLedgerFile().some((e) => e.patientPseudonym === pseudonym(patient.patientId!)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(readLedgerFile().map((e) => e.patientPseudonym)).toContain(pseudonym(patient.patientId!));

    // The database is lost; the backup from before the erasure knows nothing of it. The file does.
    target = await freshEmptyDatabase();
    await restoreBackup({ id: before.id, into: target.url });
    const count = async () => (await withAdminClient((c) => c.query("SELECT count(*)::int AS n FROM patient_identity WHERE patient_id = $1", [patient.patientId]), target.url)).rows[0].n as number;
    expect(await count()).toBe(1);
    const replay = await replayInto(new URL(target.url).pathname.slice(1));
    expect(replay.code).toBe(0);
    expect(await count()).toBe(0);
  }, 120_000);

  it("replay also erases whom only the database's ledger names (the file line lost)", async () => {
    const patient = await makeUser("patient", { patient: identity({ givenName: "Qdbonlygiven", familyName: "Ledger" }) });
    const psn = pseudonym(patient.patientId!);
    await adminQuery("INSERT INTO erasure_ledger (patient_pseudonym, request_id, erased, retained) VALUES ($1, gen_random_uuid(), '[]', '[]')", [psn]);
    expect(readLedgerFile().map((e) => e.patientPseudonym)).not.toContain(psn);
    expect(await replayErasureLedger()).toBe(1);
    expect(await adminQuery("SELECT 1 FROM patient_identity WHERE patient_id = $1", [patient.patientId])).toEqual([]);
    // And the file is rewritten until it holds every database entry.
    expect(readLedgerFile().map((e) => e.patientPseudonym)).toContain(psn);
  }, 60_000);
});
