import { copyFileSync, createReadStream, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createBackup } from "@/lib/backup/create";
import { runDrill } from "@/lib/backup/drill";
import { readDatabaseFacts } from "@/lib/backup/facts";
import { LOGICAL_FORMAT } from "@/lib/backup/logical";
import type { Manifest } from "@/lib/backup/manifest";
import { keyFor, restoreBackup, restoreVerified } from "@/lib/backup/restore";
import { CHUNK, DecryptStream } from "@/lib/backup/stream-cipher";
import { clearDataKeyCache, unwrapDataKey } from "@/lib/crypto/envelope";
import { decryptField } from "@/lib/crypto/field";
import { keyProvider } from "@/lib/crypto/keys";
import { scheduledTasks } from "@/lib/jobs/tasks";
import { addRecord } from "@/lib/services/chart";
import { adminQuery, freshEmptyDatabase, isEmbedded, withAdminClient, type EmptyDatabase } from "./helpers/db";
import { actorOf, identity, makeCareTeam, makeUser, type TestUser } from "./helpers/fixtures";

const backupDir = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? "/tmp"}/custodia-backup-embedded-${process.pid}-${Date.now()}`;
  process.env.BACKUP_DIR = dir;
  process.env.AUDIT_CHECKPOINT_EVERY = "7";
  return dir;
});

const MARKER = "Qembeddedmarker";
const HEADER = (id: string) => 8 + 8 + 1 + id.length;

async function tables(url: string): Promise<number> {
  return withAdminClient(async (c) => (await c.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'")).rows[0]!.n, url);
}

async function plaintext(manifest: Manifest): Promise<string> {
  const parts: Buffer[] = [];
  await pipeline(createReadStream(join(backupDir, manifest.file)), new DecryptStream(keyProvider().secret("backup"), manifest.id), async (source: AsyncIterable<Buffer>) => {
    for await (const part of source) parts.push(part);
  });
  return Buffer.concat(parts).toString("utf8");
}

/** The file changed on disk for the length of `work`, then put back. */
async function withTampered<T>(path: string, change: (bytes: Buffer) => Buffer, work: () => Promise<T>): Promise<T> {
  const original = `${path}.original`;
  copyFileSync(path, original);
  try {
    writeFileSync(path, change(readFileSync(original)));
    return await work();
  } finally {
    copyFileSync(original, path);
    rmSync(original);
  }
}

const flip = (at: number) => (bytes: Buffer) => {
  const copy = Buffer.from(bytes);
  copy[at]! ^= 0x01;
  return copy;
};

// The embedded database (PGlite) cannot be read by pg_dump; its backups are the logical dump of decision 0017.
describe.runIf(isEmbedded())("backups of the embedded database", () => {
  let patient: TestUser;
  let manifest: Manifest;

  beforeAll(async () => {
    patient = await makeUser("patient", { patient: identity({ givenName: MARKER, familyName: "Embedded" }) });
    const clinician = await makeUser("clinician");
    await makeCareTeam([clinician.id], [patient.patientId!]);
    for (let i = 0; i < 40; i++) {
      await addRecord(actorOf(clinician), {
        patientId: patient.patientId!,
        content: { kind: "note", date: "2026-05-05", title: `Note ${i}`, text: `${MARKER} ${"x".repeat(2000)} ${i}` },
      });
    }
    manifest = await createBackup();
  }, 180_000);

  afterAll(() => rmSync(backupDir, { recursive: true, force: true }));

  it("backs up the embedded database: encrypted, with the manifest's facts, and without the data keys", async () => {
    expect(manifest.dump).toBe(LOGICAL_FORMAT);
    expect(readFileSync(join(backupDir, manifest.file)).includes(MARKER)).toBe(false);
    expect(manifest.rowCounts.patient).toBeGreaterThanOrEqual(1);
    expect(manifest.keys!.count).toBe(manifest.rowCounts.patient_key);
    expect(manifest.audit.head).not.toBeNull();
    expect(manifest.rlsForced).toContain("patient_identity");
    const dump = await plaintext(manifest);
    const [{ dek_wrapped: wrapped } = { dek_wrapped: "" }] = await adminQuery<{ dek_wrapped: string }>("SELECT dek_wrapped FROM patient_key WHERE patient_id = $1", [patient.patientId]);
    expect(wrapped.length).toBeGreaterThan(20);
    // No patient_key section and no wrapped key anywhere in the dump: they are only in the key backup.
    expect(dump).not.toContain('"table":"patient_key"');
    expect(dump).not.toContain(wrapped);
    expect(dump).toContain('"table":"patient_identity"');
  });

  it("backup then drill passes on the embedded database, every check of the PostgreSQL drill", async () => {
    const report = await runDrill();
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual(["checksums", "data keys", "migrations", "row counts", "row-level security", "runtime role grants", "audit chain"]);
    const [event] = await adminQuery<{ outcome: string; resource_id: string }>("SELECT outcome, resource_id FROM audit_event WHERE action = 'backup.drill' ORDER BY seq DESC LIMIT 1");
    expect(event).toEqual({ outcome: "allowed", resource_id: manifest.id });
  }, 180_000);

  it("the daily backup and weekly drill jobs run on the embedded database instead of recording skipped", async () => {
    const task = (name: string) => scheduledTasks.find((t) => t.name === name)!;
    const request = { ip: null, userAgent: "custodia-jobs", requestId: "job:backup-embedded" };
    const made = (await task("backup").run(request, new Date())) as Record<string, unknown>;
    expect(made.skipped).toBeUndefined();
    expect(made.id).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    const drilled = (await task("backup-drill").run(request, new Date())) as Record<string, unknown>;
    expect(drilled).toEqual({ backup: made.id, checks: 7 });
  }, 240_000);

  describe("restore", () => {
    let target: EmptyDatabase;
    beforeAll(async () => (target = await freshEmptyDatabase()), 120_000);
    afterAll(async () => target.drop());

    it("a tampered backup is refused naming it, and the drill fails its checksum check", async () => {
      await withTampered(join(backupDir, manifest.file), flip(HEADER(manifest.id) + CHUNK + 100), async () => {
        await expect(restoreBackup({ id: manifest.id, into: target.url })).rejects.toThrow(new RegExp(`backup ${manifest.id}: chunk 1 failed authentication`));
        expect(await tables(target.url)).toBe(0);
        const report = await runDrill({ id: manifest.id });
        expect(report.ok).toBe(false);
        expect(report.checks).toEqual([expect.objectContaining({ name: "checksums", ok: false, detail: expect.stringContaining(`backup ${manifest.id}`) })]);
      });
    }, 120_000);

    it("a key backup that fails to decrypt leaves the target empty, and the message names the key backup", async () => {
      const keys = join(backupDir, manifest.keys!.file);
      await withTampered(keys, flip(HEADER(`${manifest.id}.keys`) + 10), async () => {
        // Refused up front, before the target is touched…
        await expect(restoreBackup({ id: manifest.id, into: target.url })).rejects.toThrow(new RegExp(`${manifest.id}\\.keys`));
        expect(await tables(target.url)).toBe(0);
        // …and, changed after that check, inside the restore's one transaction: the rows already loaded go too.
        await expect(restoreVerified(manifest, keyFor(manifest), target.url, false, manifest)).rejects.toThrow(new RegExp(`${manifest.id}\\.keys`));
        expect(await tables(target.url)).toBe(0);
      });
      const [refusal] = await adminQuery<{ outcome: string }>("SELECT outcome FROM audit_event WHERE action = 'backup.restore' ORDER BY seq DESC LIMIT 1");
      expect(refusal?.outcome).toBe("denied");
    }, 120_000);

    it("restores into a fresh embedded database: row counts match and the patient decrypts with the app's keys", async () => {
      await restoreBackup({ id: manifest.id, into: target.url });
      const facts = await withAdminClient(readDatabaseFacts, target.url);
      expect({ ...facts.rowCounts, _prisma_migrations: 0 }).toEqual({ ...manifest.rowCounts, _prisma_migrations: 0 });
      const [row] = await withAdminClient(async (c) => (await c.query<{ dek_wrapped: string; given_name_enc: string }>(
        "SELECT k.dek_wrapped, i.given_name_enc FROM patient_key k JOIN patient_identity i ON i.patient_id = k.patient_id WHERE k.patient_id = $1", [patient.patientId],
      )).rows, target.url);
      clearDataKeyCache();
      const dek = unwrapDataKey(patient.patientId!, row!.dek_wrapped);
      expect(decryptField(dek, row!.given_name_enc, { table: "patient_identity", column: "given_name_enc", rowId: patient.patientId! })).toBe(MARKER);
      await expect(restoreBackup({ id: manifest.id, into: target.url })).rejects.toThrow(/already has tables/);
      // --force on a database that is not the live one replaces its rows with the backup's.
      await withAdminClient((c) => c.query("DELETE FROM care_team_patient"), target.url);
      await restoreBackup({ id: manifest.id, into: target.url, force: true });
      expect((await withAdminClient(readDatabaseFacts, target.url)).rowCounts.care_team_patient).toBe(manifest.rowCounts.care_team_patient);
    }, 120_000);

    it("refuses the live embedded database without --force, and with --force but without its name typed", async () => {
      const live = process.env.MIGRATION_DATABASE_URL!;
      await expect(restoreBackup({ id: manifest.id, into: live })).rejects.toThrow(/is the live database; restoring over it needs --force/);
      await expect(restoreBackup({ id: manifest.id, into: live, force: true, confirm: "yes" })).rejects.toThrow(/needs its name/);
    });
  });
});
