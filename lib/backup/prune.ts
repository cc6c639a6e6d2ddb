import "server-only";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { noRequest, type RequestMeta } from "@/lib/access/actor";
import { config } from "@/lib/config";
import { withSystem } from "@/lib/db/transaction";
import { hasKeyBackup } from "./key-backup";
import { listManifests, manifestPath, type Manifest } from "./manifest";

/** Which backups retention keeps: the newest of each of the newest `daily` days, the oldest of each of the newest `monthly` months (UTC). */
export function keptByRetention(manifests: Manifest[], daily: number, monthly: number): Set<string> {
  const kept = new Set<string>();
  const days = new Set<string>();
  for (const m of manifests) {
    const day = m.createdAt.slice(0, 10);
    if (days.has(day) || days.size >= daily) continue;
    days.add(day);
    kept.add(m.id);
  }
  // Oldest first: a month's first backup is the one kept for it, so it does not move as the month goes on.
  const months = new Map<string, string>();
  for (const m of [...manifests].reverse()) if (!months.has(m.createdAt.slice(0, 7))) months.set(m.createdAt.slice(0, 7), m.id);
  for (const month of [...months.keys()].sort().reverse().slice(0, monthly)) kept.add(months.get(month)!);
  return kept;
}

/**
 * Retention (HIPAA 164.316(b)(2) six years for the monthly ones): backups retention does not keep are
 * removed, file first so a manifest never outlives its file, key backup with them. Key backups of the kept
 * ones are removed once older than BACKUP_KEY_RETENTION_DAYS, the newest key backup always excepted: that is
 * the window after which an erased patient's old data key exists nowhere (docs/decisions/0013); so are whole
 * backups made before keys left the dump. Backups dated
 * after `now` are never touched. Audited as backup.prune with the ids removed.
 */
export async function pruneBackups(now = new Date(), request: RequestMeta = noRequest): Promise<{ removed: string[]; removedKeys: string[] }> {
  const { backupDir: dir, backupKeepDaily: daily, backupKeepMonthly: monthly, backupKeyRetentionDays: keyDays } = config();
  const manifests = listManifests(dir).filter((m) => m.createdAt <= now.toISOString());
  const kept = keptByRetention(manifests, daily, monthly);
  const newestKeys = manifests.find((m) => hasKeyBackup(dir, m))?.id;
  const keyCutoff = new Date(now.getTime() - keyDays * 86_400_000).toISOString();
  const removed: string[] = [];
  const removedKeys: string[] = [];
  for (const manifest of manifests) {
    // Made before the key store (0032): its dump itself holds every wrapped data key, so it is kept no longer
    // than a key backup, whatever monthly retention says (the newest backup of all is still never removed).
    const holdsKeys = !manifest.keys && manifest.createdAt < keyCutoff && manifest.id !== manifests[0]!.id;
    const keep = kept.has(manifest.id) && !holdsKeys;
    if (manifest.keys && hasKeyBackup(dir, manifest) && (!keep || (manifest.createdAt < keyCutoff && manifest.id !== newestKeys))) {
      rmSync(join(dir, manifest.keys.file), { force: true });
      removedKeys.push(manifest.id);
    }
    if (keep) continue;
    rmSync(join(dir, manifest.file), { force: true });
    rmSync(manifestPath(dir, manifest.id), { force: true });
    removed.push(manifest.id);
  }
  if (removed.length > 0 || removedKeys.length > 0) {
    await withSystem(request, async ({ audit }) => {
      audit({ action: "backup.prune", resourceType: "backup", details: { removed, removedKeys, keepDaily: daily, keepMonthly: monthly, keyRetentionDays: keyDays } });
    });
  }
  return { removed, removedKeys };
}
