import { spawn } from "node:child_process";
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { BACKUP_LOCK_KEY, createBackup } from "@/lib/backup/create";
import { runDrill } from "@/lib/backup/drill";
import { readDatabaseFacts } from "@/lib/backup/facts";
import { manifestPath, readManifest, type Manifest } from "@/lib/backup/manifest";
import { keyFor, restoreBackup, restoreVerified } from "@/lib/backup/restore";
import { backupKeyId, CHUNK } from "@/lib/backup/stream-cipher";
import { clearDataKeyCache, unwrapDataKey } from "@/lib/crypto/envelope";
import { decryptField } from "@/lib/crypto/field";
import { keyProvider } from "@/lib/crypto/keys";
import { scheduledTasks } from "@/lib/jobs/tasks";
import { AccessDenied } from "@/lib/access/errors";
import { backUpNow, backupsOverview, drillNow } from "@/lib/services/backups";
import { pruneBackups } from "@/lib/backup/prune";
import { backupTarget } from "@/lib/backup/target";
import { addRecord } from "@/lib/services/chart";
import { adminQuery, freshEmptyDatabase, isEmbedded, withAdminClient, type EmptyDatabase } from "./helpers/db";
import { actorOf, identity, makeCareTeam, makeUser, type TestUser } from "./helpers/fixtures";

const backupDir = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? "/tmp"}/custodia-backup-test-${process.pid}-${Date.now()}`;
  process.env.BACKUP_DIR = dir;
  // Checkpoints every few events, so the manifest and the drill have signed checkpoints to hold the log against.
  process.env.AUDIT_CHECKPOINT_EVERY = "7";
  return dir;
});

const MARKER = "Qbackupmarker";
const HEADER = (id: string) => 8 + 8 + 1 + id.length;

async function tables(url: string): Promise<number> {
  return withAdminClient(async (c) => (await c.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'")).rows[0]!.n, url);
}

async function auditActions(action: string): Promise<{ outcome: string; resource_id: string | null }[]> {
  return adminQuery("SELECT outcome, resource_id FROM audit_event WHERE action = $1 ORDER BY seq", [action]);
}

function run(script: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", script], { env: process.env });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("exit", (code) => resolve({ code, output }));
  });
}

// The pg_dump path. pg_dump cannot dump the embedded database (PGlite reports server version 18 to the installed
// pg_dump 15); its backups are the logical dump of docs/decisions/0017, tested in tests/backup-embedded.test.ts.
describe.skipIf(isEmbedded())("encrypted backups, restore and drill", () => {
  let patient: TestUser;
  let manifest: Manifest;
  let file: string;

  beforeAll(async () => {
    patient = await makeUser("patient", { patient: identity({ givenName: MARKER, familyName: "Restorable" }) });
    const clinician = await makeUser("clinician");
    await makeCareTeam([clinician.id], [patient.patientId!]);
    // Enough rows that the dump spans several chunks, so swapped and truncated chunks can be tested.
    for (let i = 0; i < 60; i++) {
      await addRecord(actorOf(clinician), {
        patientId: patient.patientId!,
        content: { kind: "note", date: "2026-05-05", title: `Note ${i}`, text: `${MARKER} ${"x".repeat(2000)} ${i}` },
      });
    }
    manifest = await createBackup();
    file = join(backupDir, manifest.file);
  }, 120_000);

  afterAll(() => rmSync(backupDir, { recursive: true, force: true }));

  it("writes a file that is not plaintext, and a manifest that describes it", async () => {
    const bytes = readFileSync(file);
    expect(bytes.length).toBe(manifest.size);
    expect(manifest.plaintextSize).toBeGreaterThan(3 * CHUNK);
    expect(bytes.includes(Buffer.from(MARKER))).toBe(false);
    expect(bytes.includes(Buffer.from("PGDMP"))).toBe(false);
    expect(bytes.includes(Buffer.from("patient_identity"))).toBe(false);

    const onDisk = readManifest(backupDir, manifest.id);
    expect(onDisk).toEqual(manifest);
    expect(manifest.sha256.ciphertext).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(manifest)).not.toContain(keyProvider().secret("backup").toString("base64"));
    expect(manifest.migrationVersion).toBe(manifest.migrations.at(-1));
    expect(manifest.migrationVersion).toMatch(/^\d{4}_/);
    const [head] = await adminQuery<{ chain_seq: string; hash: string }>("SELECT chain_seq::text, hash FROM audit_event WHERE chain_seq = $1", [manifest.audit.head!.chainSeq]);
    expect(head?.hash).toBe(manifest.audit.head!.hash);
    const [{ max } = { max: "" }] = await adminQuery<{ max: string }>("SELECT max(chain_seq)::text AS max FROM audit_event");
    // Sealed before the dump: the head is the whole log but the backup's own event, written after it.
    expect(BigInt(manifest.audit.head!.chainSeq)).toBeGreaterThan(60n);
    expect(BigInt(max)).toBeGreaterThanOrEqual(BigInt(manifest.audit.head!.chainSeq));
    expect(BigInt(manifest.audit.lastCheckpoint!.seq)).toBeLessThanOrEqual(BigInt(manifest.audit.head!.chainSeq));
    expect(manifest.rowCounts.patient).toBeGreaterThanOrEqual(1);
    expect(manifest.rowCounts.clinical_record).toBeGreaterThanOrEqual(60);
    expect(manifest.rlsForced).toContain("patient_identity");
    expect(manifest.appGrants).toContain("audit_event:SELECT");
    expect((await auditActions("backup.create")).map((e) => [e.outcome, e.resource_id])).toContainEqual(["allowed", manifest.id]);
  });

  describe("restore", () => {
    let target: EmptyDatabase;
    beforeAll(async () => (target = await freshEmptyDatabase()));
    afterAll(async () => target.drop());

    async function refused(expected: RegExp, options: Partial<Parameters<typeof restoreBackup>[0]> = {}): Promise<void> {
      await expect(restoreBackup({ id: manifest.id, into: target.url, ...options })).rejects.toThrow(expected);
      expect(await tables(target.url)).toBe(0);
    }

    async function tampered(change: (bytes: Buffer) => Buffer, expected: RegExp): Promise<void> {
      const original = join(backupDir, "original.bin");
      copyFileSync(file, original);
      try {
        writeFileSync(file, change(readFileSync(original)));
        await refused(expected);
      } finally {
        copyFileSync(original, file);
        rmSync(original);
      }
    }

    it("refuses a flipped byte, naming the backup and the chunk, before touching the target", async () => {
      await tampered((b) => {
        const copy = Buffer.from(b);
        copy[HEADER(manifest.id) + CHUNK + 100]! ^= 0x01;
        return copy;
      }, new RegExp(`backup ${manifest.id}: chunk 1 failed authentication`));
    });

    it("refuses a file cut at a chunk boundary, and one cut mid-chunk", async () => {
      const boundary = HEADER(manifest.id) + 2 * (CHUNK + 16);
      await tampered((b) => b.subarray(0, boundary), /chunk 1 failed authentication/);
      await tampered((b) => b.subarray(0, b.length - 5), /failed authentication/);
    });

    it("refuses swapped chunks", async () => {
      await tampered((b) => {
        const start = HEADER(manifest.id);
        const size = CHUNK + 16;
        const first = b.subarray(start + size, start + 2 * size);
        const second = b.subarray(start + 2 * size, start + 3 * size);
        return Buffer.concat([b.subarray(0, start + size), second, first, b.subarray(start + 3 * size)]);
      }, /chunk 1 failed authentication/);
    });

    it("refuses the wrong backup key, by its fingerprint and by the chunk tags", async () => {
      const wrong = Buffer.alloc(32, 7);
      const real = keyProvider().secret.bind(keyProvider());
      const swap = vi.spyOn(keyProvider(), "secret").mockImplementation((purpose) => (purpose === "backup" ? wrong : real(purpose)));
      try {
        await refused(/made with backup key [0-9a-f]{16}, but the configured backup key is [0-9a-f]{16}/);
        // A manifest edited to name the wrong key gets no further: the first chunk does not authenticate.
        const path = manifestPath(backupDir, manifest.id);
        const text = readFileSync(path, "utf8");
        writeFileSync(path, text.replace(manifest.keyId, backupKeyId(wrong)));
        try {
          await refused(/chunk 0 failed authentication: wrong backup key/);
        } finally {
          writeFileSync(path, text);
        }
      } finally {
        swap.mockRestore();
      }
    });

    it("refuses the live database without --force, and with --force but without its name typed", async () => {
      for (const live of [process.env.MIGRATION_DATABASE_URL!, process.env.DATABASE_URL!]) {
        await expect(restoreBackup({ id: manifest.id, into: live })).rejects.toThrow(/is the live database; restoring over it needs --force/);
        await expect(restoreBackup({ id: manifest.id, into: live, force: true, confirm: "yes" })).rejects.toThrow(/needs its name/);
      }
      const denied = (await auditActions("backup.restore")).filter((e) => e.outcome === "denied");
      expect(denied.length).toBeGreaterThanOrEqual(4);
    });

    it("a key backup that fails to decrypt leaves the target empty, and the message names the key backup", async () => {
      const keys = join(backupDir, manifest.keys!.file);
      const original = readFileSync(keys);
      writeFileSync(keys, Buffer.from(original).fill(original[HEADER(`${manifest.id}.keys`) + 10]! ^ 0x01, HEADER(`${manifest.id}.keys`) + 10, HEADER(`${manifest.id}.keys`) + 11));
      try {
        // Refused up front, before the target is touched…
        await refused(new RegExp(`${manifest.id}\\.keys`));
        // …and, changed after that check, inside the restore's one transaction: what pg_restore loaded goes too.
        await expect(restoreVerified(manifest, keyFor(manifest), target.url, false, manifest)).rejects.toThrow(new RegExp(`${manifest.id}\\.keys`));
        expect(await tables(target.url)).toBe(0);
      } finally {
        writeFileSync(keys, original);
      }
    }, 120_000);

    it("restores into a fresh database: row counts match and the patient decrypts with the app's keys", async () => {
      await restoreBackup({ id: manifest.id, into: target.url });
      const facts = await withAdminClient(readDatabaseFacts, target.url);
      expect(facts.rowCounts).toEqual(manifest.rowCounts);
      const [row] = await withAdminClient(async (c: pg.Client) => (await c.query<{ dek_wrapped: string; given_name_enc: string }>(
        "SELECT k.dek_wrapped, i.given_name_enc FROM patient_key k JOIN patient_identity i ON i.patient_id = k.patient_id WHERE k.patient_id = $1", [patient.patientId],
      )).rows, target.url);
      clearDataKeyCache();
      const dek = unwrapDataKey(patient.patientId!, row!.dek_wrapped);
      expect(decryptField(dek, row!.given_name_enc, { table: "patient_identity", column: "given_name_enc", rowId: patient.patientId! })).toBe(MARKER);
      await expect(restoreBackup({ id: manifest.id, into: target.url })).rejects.toThrow(/already has tables/);
      // --force on a database that is not the live one replaces its tables with the backup's.
      await withAdminClient((c) => c.query("DELETE FROM care_team_patient"), target.url);
      await restoreBackup({ id: manifest.id, into: target.url, force: true });
      expect((await withAdminClient(readDatabaseFacts, target.url)).rowCounts).toEqual(manifest.rowCounts);
      expect((await auditActions("backup.restore")).map((e) => e.outcome)).toContain("allowed");
    });
  });

  describe("runs", () => {
    // A folder of their own: retention keeps one backup per day, so these runs would prune the one tested above.
    const runsDir = `${backupDir}-runs`;
    beforeAll(() => vi.stubEnv("BACKUP_DIR", runsDir));
    afterAll(() => {
      vi.unstubAllEnvs();
      rmSync(runsDir, { recursive: true, force: true });
    });

    it("one backup at a time: a run that finds another running is refused, and audited", async () => {
      await withAdminClient(async (holder) => {
        await holder.query("SELECT pg_advisory_lock($1)", [BACKUP_LOCK_KEY.toString()]);
        await expect(createBackup()).rejects.toThrow(/another backup is running/);
      });
      expect((await auditActions("backup.create")).at(-1)?.outcome).toBe("error");
      const runs = await Promise.allSettled([createBackup(), createBackup()]);
      expect(runs.filter((r) => r.status === "fulfilled").length).toBeGreaterThanOrEqual(1);
      for (const r of runs) if (r.status === "rejected") expect(String(r.reason)).toMatch(/another backup is running/);
    }, 60_000);

    it("the daily backup and weekly drill jobs run as the system under the job's request, audited", async () => {
      const task = (name: string) => scheduledTasks.find((t) => t.name === name)!;
      expect(task("backup").cron).toBe("0 3 * * *");
      expect(task("backup-drill").cron).toBe("0 5 * * 0");
      const request = { ip: null, userAgent: "custodia-jobs", requestId: "job:backup-test" };
      const made = await task("backup").run(request, new Date());
      expect(made).toMatchObject({ id: expect.stringMatching(/^\d{8}T/), keys: expect.any(Number) });
      expect(await task("backup-drill").run(request, new Date())).toMatchObject({ backup: made.id });
      const events = await adminQuery<{ action: string; actor_role: string }>("SELECT action, actor_role FROM audit_event WHERE request_id = 'job:backup-test' ORDER BY seq");
      expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(["backup.create", "backup.drill"]));
      expect(new Set(events.map((e) => e.actor_role))).toEqual(new Set(["system"]));
      const url = process.env.DATABASE_URL;
      vi.stubEnv("DATABASE_URL", undefined);
      try {
        // No database configured at all fails the run with the reason (the embedded database is backed up too).
        await expect(task("backup").run(request, new Date())).rejects.toThrow(/no database to back up/);
      } finally {
        vi.stubEnv("DATABASE_URL", url);
      }
    }, 120_000);

    it("a disk that fills mid-backup fails the run with the reason: no manifest, the partial file removed, the next run fine", async () => {
      const real = backupTarget.open.bind(backupTarget);
      const full = vi.spyOn(backupTarget, "open").mockImplementation((path) => {
        const file = real(path);
        let written = 0;
        return new Writable({
          write(chunk: Buffer, _encoding, done) {
            written += chunk.length;
            if (written > 3 * CHUNK) return done(Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" }));
            file.write(chunk, done);
          },
          final(done) {
            file.end(done);
          },
        });
      });
      const manifestsBefore = readdirSync(runsDir).filter((n) => n.endsWith(".manifest.json"));
      try {
        await expect(createBackup()).rejects.toThrow(/ENOSPC: no space left on device/);
      } finally {
        full.mockRestore();
      }
      expect(readdirSync(runsDir).filter((n) => n.endsWith(".manifest.json"))).toEqual(manifestsBefore);
      expect(readdirSync(runsDir).filter((n) => n.endsWith(".partial"))).toEqual([]);
      const [failed] = await adminQuery<{ outcome: string; details: { error: string } }>("SELECT outcome, details FROM audit_event WHERE action = 'backup.create' ORDER BY seq DESC LIMIT 1");
      expect(failed).toMatchObject({ outcome: "error", details: { error: expect.stringMatching(/ENOSPC/) } });
      const next = await createBackup();
      expect(existsSync(join(runsDir, next.file))).toBe(true);
    }, 60_000);

    it("removes the partial file of a killed run, and never leaves a manifest without its file", async () => {
      const leftover = join(runsDir, "20260101T000000Z-abcdef.cbk.partial");
      writeFileSync(leftover, "half a dump");
      await createBackup();
      expect(existsSync(leftover)).toBe(false);
      for (const name of readdirSync(runsDir).filter((n) => n.endsWith(".manifest.json"))) {
        expect(existsSync(join(runsDir, readManifest(runsDir, name.replace(".manifest.json", "")).file))).toBe(true);
      }
    }, 60_000);

    it("keeps the newest backup of each of the newest BACKUP_KEEP_DAILY days, and audits what it prunes", async () => {
      const dir = `${backupDir}-retention`;
      const day = 86_400_000;
      const now = Date.now();
      vi.stubEnv("BACKUP_DIR", dir);
      vi.stubEnv("BACKUP_KEEP_DAILY", "2");
      vi.stubEnv("BACKUP_KEEP_MONTHLY", "0");
      try {
        const oldest = await createBackup(new Date(now - 2 * day));
        const earlier = await createBackup(new Date(now - day - 3_600_000));
        const later = await createBackup(new Date(now - day));
        const newest = await createBackup(new Date(now));
        const kept = readdirSync(dir).sort();
        expect(kept).toEqual([later, newest].flatMap((m) => [m.file, m.keys!.file, `${m.id}.manifest.json`]).sort());
        const events = await adminQuery<{ details: { removed: string[] } }>("SELECT details FROM audit_event WHERE action = 'backup.prune'");
        const removed = events.flatMap((e) => e.details.removed);
        expect(removed).toContain(oldest.id);
        expect(removed).toContain(earlier.id);
        expect(removed).not.toContain(later.id);
        expect(removed).not.toContain(newest.id);
      } finally {
        vi.stubEnv("BACKUP_DIR", runsDir);
        vi.stubEnv("BACKUP_KEEP_DAILY", undefined);
        vi.stubEnv("BACKUP_KEEP_MONTHLY", undefined);
        rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);
  });

  it("keeps the first backup of each of the newest BACKUP_KEEP_MONTHLY months, and key backups only for their window", async () => {
    const dir = `${backupDir}-monthly`;
    vi.stubEnv("BACKUP_DIR", dir);
    vi.stubEnv("BACKUP_KEEP_DAILY", "1");
    vi.stubEnv("BACKUP_KEEP_MONTHLY", "3");
    try {
      const made: Record<string, Manifest> = {};
      for (const day of ["2026-09-03", "2026-10-02", "2026-10-20", "2026-11-05", "2026-11-25", "2026-12-07"]) {
        made[day] = await createBackup(new Date(`${day}T02:00:00Z`));
      }
      const manifests = readdirSync(dir).filter((n) => n.endsWith(".manifest.json")).sort();
      expect(manifests).toEqual(["2026-10-02", "2026-11-05", "2026-12-07"].map((d) => `${made[d]!.id}.manifest.json`).sort());
      // Older than BACKUP_KEY_RETENTION_DAYS (7): only the newest key backup is left.
      expect(readdirSync(dir).filter((n) => n.endsWith(".keys.cbk"))).toEqual([made["2026-12-07"]!.keys!.file]);
      const events = await adminQuery<{ details: { removed: string[]; keepMonthly: number } }>("SELECT details FROM audit_event WHERE action = 'backup.prune' ORDER BY seq");
      const removed = events.flatMap((e) => e.details.removed);
      for (const day of ["2026-09-03", "2026-10-20", "2026-11-25"]) expect(removed).toContain(made[day]!.id);
      expect(events.at(-1)?.details.keepMonthly).toBe(3);

      // A backup made before keys left the dump holds every data key: monthly retention does not keep it past
      // the key window, and it is not restored.
      const legacy = made["2026-11-05"]!;
      const manifestFile = join(dir, `${legacy.id}.manifest.json`);
      const withoutKeys: Partial<Manifest> = JSON.parse(readFileSync(manifestFile, "utf8")) as Manifest;
      delete withoutKeys.keys;
      writeFileSync(manifestFile, JSON.stringify(withoutKeys));
      await expect(restoreBackup({ id: legacy.id, into: "postgresql://postgres@127.0.0.1:5432/nowhere" })).rejects.toThrow(/made before data keys left the database dump/);
      await pruneBackups(new Date("2026-12-07T03:00:00Z"));
      expect(existsSync(manifestFile)).toBe(false);
      expect(existsSync(join(dir, `${made["2026-10-02"]!.id}.manifest.json`))).toBe(true);
    } finally {
      vi.stubEnv("BACKUP_DIR", backupDir);
      vi.stubEnv("BACKUP_KEEP_DAILY", undefined);
      vi.stubEnv("BACKUP_KEEP_MONTHLY", undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  describe("drill", () => {
    it("passes on a good backup, drops its scratch database and records the outcome", async () => {
      const before = await adminQuery<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'custodia_drill_%'");
      const report = await runDrill();
      expect(report.checks.filter((c) => !c.ok)).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.checks.map((c) => c.name)).toEqual(["checksums", "data keys", "migrations", "row counts", "row-level security", "runtime role grants", "audit chain"]);
      const after = await adminQuery<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'custodia_drill_%'");
      expect(after).toEqual(before);
      expect((await auditActions("backup.drill")).at(-1)).toEqual({ outcome: "allowed", resource_id: manifest.id });
    }, 120_000);

    it("the backups page: an admin sees the list and the last drill, and runs one; a clinician is refused, and it is logged", async () => {
      const admin = await makeUser("admin");
      const clinician = await makeUser("clinician");
      const overview = await backupsOverview(actorOf(admin));
      expect(overview.backups.map((b) => b.id)).toContain(manifest.id);
      expect(overview.backups.find((b) => b.id === manifest.id)).toMatchObject({ size: manifest.size, keyId: manifest.keyId, keysKept: true, chainHead: expect.stringMatching(/^\d+ · [0-9a-f]{12}$/) });
      const report = await drillNow(actorOf(admin));
      expect((await backupsOverview(actorOf(admin))).lastDrill).toMatchObject({ backupId: report.backupId, ok: report.ok });
      for (const attempt of [() => drillNow(actorOf(clinician)), () => backupsOverview(actorOf(clinician)), () => backUpNow(actorOf(clinician))]) {
        await expect(attempt()).rejects.toBeInstanceOf(AccessDenied);
      }
      const denials = await adminQuery<{ details: { permission: string } }>("SELECT details FROM audit_event WHERE action = 'access.denied' AND actor_id = $1", [clinician.id]);
      expect(denials.map((d) => d.details.permission)).toEqual(["backups.manage", "backups.manage", "backups.manage"]);
      expect(await adminQuery("SELECT 1 FROM audit_event WHERE action = 'backup.drill_requested' AND actor_id = $1", [admin.id])).toHaveLength(1);
    }, 120_000);

    async function failsWith(edit: (m: Manifest) => void, check: string, detail: RegExp): Promise<void> {
      const path = manifestPath(backupDir, manifest.id);
      const text = readFileSync(path, "utf8");
      const edited = JSON.parse(text) as Manifest;
      edit(edited);
      writeFileSync(path, JSON.stringify(edited));
      try {
        const report = await runDrill();
        expect(report.ok).toBe(false);
        expect(report.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual([check]);
        expect(report.checks.find((c) => c.name === check)?.detail).toMatch(detail);
      } finally {
        writeFileSync(path, text);
      }
    }

    it("fails the audit check when the manifest's chain head is not in the restored log", async () => {
      await failsWith((m) => (m.audit.head!.hash = "0".repeat(64)), "audit chain", /the manifest's head \(seq \d+\) is a different event/);
    }, 120_000);

    it("fails the checksum check, and restores nothing, when the file's checksum differs", async () => {
      await failsWith((m) => (m.sha256.ciphertext = "f".repeat(64)), "checksums", /SHA-256 of the file differs/);
    }, 120_000);

    it("fails, exit 1, naming the row-count check, when the manifest's row count was edited", async () => {
      const path = manifestPath(backupDir, manifest.id);
      const text = readFileSync(path, "utf8");
      const edited = JSON.parse(text) as Manifest;
      edited.rowCounts.patient = (edited.rowCounts.patient ?? 0) + 1;
      writeFileSync(path, JSON.stringify(edited));
      try {
        const { code, output } = await run("scripts/backup-drill.ts");
        expect(output).toMatch(/FAIL row counts: patient: manifest \d+, restored \d+/);
        expect(output).toContain("FAILED");
        expect(code).toBe(1);
      } finally {
        writeFileSync(path, text);
      }
      expect((await auditActions("backup.drill")).at(-1)).toEqual({ outcome: "error", resource_id: manifest.id });
    }, 120_000);
  });
});

describe("backups with no database configured", () => {
  it("are refused with the reason, before anything is written", async () => {
    vi.stubEnv("DATABASE_URL", undefined);
    vi.stubEnv("MIGRATION_DATABASE_URL", undefined);
    try {
      await expect(createBackup()).rejects.toThrow(/no database to back up: set DATABASE_URL/);
      await expect(runDrill()).rejects.toThrow(/no database to back up/);
      expect(existsSync(backupDir) ? readdirSync(backupDir).filter((n) => n.endsWith(".partial")) : []).toEqual([]);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
