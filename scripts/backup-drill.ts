/** `npm run backup:drill [-- <id>]`: restores the newest backup into a scratch database, checks it, drops it; exit 1 on any failed check. */
import { runDrill } from "@/lib/backup/drill";
import { disconnectPrisma } from "@/lib/db/client";
import { withDatabase } from "./with-database";

try {
  // Without DATABASE_URL: the embedded database, opened here or reached through the running portal.
  await withDatabase(async () => {
    try {
      const report = await runDrill({ id: process.argv[2] });
      console.log(`drill of backup ${report.backupId}: ${report.ok ? "PASSED" : "FAILED"}`);
      for (const check of report.checks) console.log(`  ${check.ok ? "ok  " : "FAIL"} ${check.name}: ${check.detail}`);
      process.exitCode = report.ok ? 0 : 1;
    } finally {
      await disconnectPrisma();
    }
  });
} catch (error) {
  console.error(`drill failed: ${(error as Error).message}`);
  process.exitCode = 1;
}
