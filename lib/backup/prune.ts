import "server-only";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { noRequest } from "@/lib/access/actor";
import { config } from "@/lib/config";
import { withSystem } from "@/lib/db/transaction";
import { listManifests, manifestPath } from "./manifest";

/**
 * Retention: the newest backup of each of the newest BACKUP_KEEP_DAILY days (UTC) is kept, every other one is
 * removed, file first so a manifest never outlives its file. Backups dated after `now` are never touched.
 * Audited as backup.prune with the ids removed.
 */
export async function pruneBackups(now = new Date()): Promise<string[]> {
  const { backupDir: dir, backupKeepDaily: keep } = config();
  const keptDays = new Set<string>();
  const removed: string[] = [];
  for (const manifest of listManifests(dir)) {
    if (manifest.createdAt > now.toISOString()) continue;
    const day = manifest.createdAt.slice(0, 10);
    if (!keptDays.has(day) && keptDays.size < keep) {
      keptDays.add(day);
      continue;
    }
    rmSync(join(dir, manifest.file), { force: true });
    rmSync(manifestPath(dir, manifest.id), { force: true });
    removed.push(manifest.id);
  }
  if (removed.length > 0) {
    await withSystem(noRequest, async ({ audit }) => {
      audit({ action: "backup.prune", resourceType: "backup", details: { removed, keepDaily: keep } });
    });
  }
  return removed;
}
