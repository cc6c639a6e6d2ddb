import "server-only";
import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { createBackup } from "@/lib/backup/create";
import { runDrill, type DrillReport } from "@/lib/backup/drill";
import { hasKeyBackup } from "@/lib/backup/key-backup";
import { listManifests } from "@/lib/backup/manifest";
import { config } from "@/lib/config";
import { withActor, withSystem } from "@/lib/db/transaction";

export interface BackupView {
  id: string;
  createdAt: string;
  size: number;
  keyId: string;
  /** Audit chain head at the snapshot: sequence and the start of its hash. */
  chainHead: string | null;
  /** Whether its key backup is still kept (docs/decisions/0013); without it a restore uses the newest one. */
  keysKept: boolean;
}

export interface DrillView {
  at: string;
  backupId: string | null;
  ok: boolean;
  failed: string[];
}

export interface BackupsOverview {
  backups: BackupView[];
  lastDrill: DrillView | null;
}

/** The backups page: what is in BACKUP_DIR and the last drill's outcome (administrators). */
export async function backupsOverview(actor: Actor): Promise<BackupsOverview> {
  await authorize(actor, "backups.manage", { resourceType: "backup" });
  const dir = config().backupDir;
  const backups = listManifests(dir).map((m) => ({
    id: m.id,
    createdAt: m.createdAt,
    size: m.size,
    keyId: m.keyId,
    chainHead: m.audit.head ? `${m.audit.head.chainSeq} · ${m.audit.head.hash.slice(0, 12)}` : null,
    keysKept: hasKeyBackup(dir, m),
  }));
  // Drills are recorded as audit events by the system; administrators do not read the log, so the one fact
  // this page needs is read here, after the permission check above.
  const last = await withSystem(actor.request, ({ tx }) =>
    tx.auditEvent.findFirst({ where: { action: "backup.drill" }, orderBy: { seq: "desc" }, select: { occurredAt: true, resourceId: true, details: true } }),
  );
  const details = (last?.details ?? {}) as { ok?: boolean; failed?: string[] };
  return {
    backups,
    lastDrill: last ? { at: last.occurredAt.toISOString(), backupId: last.resourceId, ok: details.ok === true, failed: details.failed ?? [] } : null,
  };
}

/** "Back up now": the same run as the daily job, recorded as requested by this administrator. */
export async function backUpNow(actor: Actor): Promise<string> {
  await authorize(actor, "backups.manage", { resourceType: "backup" });
  await withActor(actor, async ({ audit }) => audit({ action: "backup.requested", resourceType: "backup" }));
  return (await createBackup(new Date(), actor.request)).id;
}

/** "Run a drill": restores the newest backup into a scratch database and checks it, as the weekly job does. */
export async function drillNow(actor: Actor): Promise<DrillReport> {
  await authorize(actor, "backups.manage", { resourceType: "backup" });
  await withActor(actor, async ({ audit }) => audit({ action: "backup.drill_requested", resourceType: "backup" }));
  return runDrill({ request: actor.request });
}
