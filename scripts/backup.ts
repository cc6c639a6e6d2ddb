/** `npm run backup`: an encrypted, verified-on-restore backup of the database (PostgreSQL, or the embedded one) into BACKUP_DIR, then retention pruning. */
import { createBackup } from "@/lib/backup/create";
import { config } from "@/lib/config";
import { disconnectPrisma } from "@/lib/db/client";
import { withDatabase } from "./with-database";

try {
  // Without DATABASE_URL: the embedded database, opened here or reached through the running portal.
  await withDatabase(async () => {
    try {
      const manifest = await createBackup();
      console.log(`backup ${manifest.id}: ${manifest.size} bytes in ${config().backupDir}/${manifest.file}`);
      console.log(`  key ${manifest.keyId}, schema ${manifest.migrationVersion}, audit head seq ${manifest.audit.head?.chainSeq ?? 0}`);
    } finally {
      await disconnectPrisma();
    }
  });
} catch (error) {
  console.error(`backup failed: ${(error as Error).message}`);
  process.exitCode = 1;
}
