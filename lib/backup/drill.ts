import "server-only";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { noRequest, type RequestMeta } from "@/lib/access/actor";
import { checkpointFile, type Checkpoint } from "@/lib/audit/checkpoint";
import { verifyAuditLog } from "@/lib/audit/verify";
import { config } from "@/lib/config";
import { readMigrations } from "@/lib/db/migrate";
import { withSystem } from "@/lib/db/transaction";
import { quoteIdent, withDatabase } from "@/lib/db/urls";
import { BackupRefusedError, ownerUrl } from "./create";
import { readDatabaseFacts, type DatabaseFacts } from "./facts";
import { listManifests, readManifest, type Manifest } from "./manifest";
import { keyFor, restoreVerified, verifyBackupFile } from "./restore";
import { withConnection } from "@/lib/db/connection";
import { startEmbeddedPostgres } from "@/lib/db/embedded";
import { LOGICAL_FORMAT } from "./logical";

export interface DrillCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface DrillReport {
  backupId: string;
  ok: boolean;
  checks: DrillCheck[];
}

const listed = (items: string[], max = 5) => items.slice(0, max).join(", ") + (items.length > max ? ` and ${items.length - max} more` : "");

/**
 * `npm run backup:drill`: restores the newest backup (or `id`) into a scratch database it creates and drops (for
 * the embedded database's backups, a scratch embedded database in a temporary folder),
 * checks what a restore must give back, and records the outcome as the audit event backup.drill. A check that
 * cannot run (the restore itself failed) is reported failed with its reason, never skipped silently.
 */
export async function runDrill(options: { id?: string; request?: RequestMeta } = {}): Promise<DrillReport> {
  const owner = ownerUrl();
  const dir = config().backupDir;
  const manifest = options.id ? readManifest(dir, options.id) : listManifests(dir)[0];
  if (!manifest) throw new BackupRefusedError(`no backup in ${dir} to drill; run npm run backup first`);
  const checks: DrillCheck[] = [];
  const check = (name: string, problems: string[], okDetail: string) =>
    checks.push({ name, ok: problems.length === 0, detail: problems.length === 0 ? okDetail : listed(problems) });

  const scratch = `custodia_drill_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  let scratchUrl = withDatabase(owner, scratch);
  let drop: (() => Promise<unknown>) | undefined;
  try {
    const key = keyFor(manifest);
    let keys: Manifest;
    try {
      keys = await verifyBackupFile(manifest, key);
      check("checksums", [], `every chunk authenticated, ${manifest.size} bytes, both SHA-256 sums match the manifest, and so does the key backup`);
    } catch (error) {
      check("checksums", [(error as Error).message], "");
      return report(manifest, checks, options.request);
    }
    if (manifest.dump === LOGICAL_FORMAT) {
      // The embedded database's backup: restored into a scratch embedded database of its own, on disk, removed after.
      const folder = mkdtempSync(join(tmpdir(), "custodia-drill-db-"));
      const embedded = await startEmbeddedPostgres({ dataDir: join(folder, "pglite"), port: 0 }).catch((error: unknown) => {
        rmSync(folder, { recursive: true, force: true });
        throw error;
      });
      scratchUrl = embedded.url;
      drop = () => embedded.stop().finally(() => rmSync(folder, { recursive: true, force: true }));
    } else {
      await withConnection(owner, (client) => client.query(`CREATE DATABASE ${quoteIdent(scratch)}`));
      drop = () => withConnection(owner, (client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdent(scratch)} WITH (FORCE)`));
    }
    const loaded = await restoreVerified(manifest, key, scratchUrl, false, keys);
    const own = keys.id === manifest.id;
    check("data keys", own && loaded !== manifest.keys!.count ? [`${loaded} keys loaded, the key backup holds ${manifest.keys!.count}`] : [],
      own ? `${loaded} patients' data keys from this backup's key backup` : `${loaded} data keys from the newest key backup left (${keys.id}): this backup's own is past its retention`);
    const facts = await withConnection(scratchUrl, readDatabaseFacts);
    // With another backup's keys, patient_key holds that time's patients: its count is not this backup's.
    checkFacts(manifest, own ? facts : { ...facts, rowCounts: { ...facts.rowCounts, patient_key: manifest.rowCounts.patient_key ?? 0 } }, check);
    const head = manifest.audit.head;
    check("audit chain", await auditProblems(manifest, scratchUrl), head
      ? `verifies up to the manifest's head (seq ${head.chainSeq}), against ${manifest.audit.lastCheckpoint ? `the checkpoint at seq ${manifest.audit.lastCheckpoint.seq} and ` : ""}the external checkpoints of that time`
      : "no sealed events in the backup; the log verifies");
  } catch (error) {
    check("restore", [(error as Error).message], "");
  } finally {
    await drop?.().catch(() => undefined);
  }
  return report(manifest, checks, options.request);
}

async function report(manifest: Manifest, checks: DrillCheck[], request: RequestMeta = noRequest): Promise<DrillReport> {
  const ok = checks.length > 0 && checks.every((c) => c.ok);
  await withSystem(request, async ({ audit }) => {
    audit({
      action: "backup.drill",
      outcome: ok ? "allowed" : "error",
      resourceType: "backup",
      resourceId: manifest.id,
      details: { ok, failed: checks.filter((c) => !c.ok).map((c) => c.name), passed: checks.filter((c) => c.ok).map((c) => c.name) },
    });
  });
  return { backupId: manifest.id, ok, checks };
}

function checkFacts(manifest: Manifest, facts: DatabaseFacts, check: (name: string, problems: string[], okDetail: string) => void): void {
  const onDisk = readMigrations().map((m) => m.name);
  check("migrations", [
    ...manifest.migrations.filter((m) => !facts.migrations.includes(m)).map((m) => `${m} missing`),
    ...onDisk.filter((m) => !facts.migrations.includes(m)).map((m) => `${m} (in this code) not applied`),
    ...facts.migrations.filter((m) => !onDisk.includes(m)).map((m) => `${m} unknown to this code`),
  ], `${facts.migrations.length} applied, current (${facts.migrations.at(-1) ?? "none"})`);

  const tables = new Set([...Object.keys(manifest.rowCounts), ...Object.keys(facts.rowCounts)]);
  check("row counts", [...tables].sort().flatMap((t) => {
    const expected = manifest.rowCounts[t];
    const found = facts.rowCounts[t];
    return expected === found ? [] : [`${t}: manifest ${expected ?? "no table"}, restored ${found ?? "no table"}`];
  }), `${tables.size} tables, ${Object.values(facts.rowCounts).reduce((a, b) => a + b, 0)} rows, as in the manifest`);

  check("row-level security", [
    ...manifest.rlsForced.filter((t) => !facts.rlsForced.includes(t)).map((t) => `${t} lost ENABLE+FORCE`),
    ...Object.entries(manifest.policies).filter(([t, n]) => facts.policies[t] !== n).map(([t, n]) => `${t}: ${n} policies expected, ${facts.policies[t] ?? 0} found`),
  ], `ENABLE+FORCE on ${facts.rlsForced.length} tables, ${Object.values(facts.policies).reduce((a, b) => a + b, 0)} policies`);

  const grants = new Set(facts.appGrants);
  check("runtime role grants", manifest.appGrants.filter((g) => !grants.has(g)).map((g) => `custodia_app lost ${g}`), `${manifest.appGrants.length} privileges of custodia_app present`);
}

/**
 * The restored log verified as the live one is, but held only against the checkpoints that existed when the
 * backup was taken (the manifest's last one, and the external file's lines up to its head): later ones would
 * rightly call any restore a rollback. Then the head itself must be in the restored chain.
 */
async function auditProblems(manifest: Manifest, scratchUrl: string): Promise<string[]> {
  const head = manifest.audit.head;
  const dir = mkdtempSync(join(tmpdir(), "custodia-drill-"));
  try {
    const file = join(dir, "checkpoints.jsonl");
    const external = existsSync(checkpointFile())
      ? readFileSync(checkpointFile(), "utf8").split("\n").filter((line) => line.trim() !== "")
          .filter((line) => head && BigInt((JSON.parse(line) as Checkpoint).seq) <= BigInt(head.chainSeq))
      : [];
    const lines = [...external, ...(manifest.audit.lastCheckpoint ? [JSON.stringify(manifest.audit.lastCheckpoint)] : [])];
    writeFileSync(file, lines.map((l) => `${l}\n`).join(""), { mode: 0o600 });
    const result = await verifyAuditLog({ databaseUrl: scratchUrl, checkpointFile: file, record: false });
    if (!result.ok) return [`seq ${result.firstBadSeq}: ${result.kind} (${result.detail})`];
    if (!head) return [];
    const found = await withConnection(scratchUrl, async (client) =>
      (await client.query<{ hash: string }>("SELECT hash FROM audit_event WHERE chain_seq = $1", [head.chainSeq])).rows[0]?.hash);
    return found === head.hash ? [] : [`the manifest's head (seq ${head.chainSeq}) is ${found ? "a different event" : "missing"} in the restored log`];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
