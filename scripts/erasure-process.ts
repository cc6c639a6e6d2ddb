/**
 * `npm run erasure:process`: the scheduled job. Executes erasures whose grace period has ended and purges
 * retained records whose retention period has ended. Run it daily (cron, a Kubernetes CronJob, …).
 */
import { disconnectPrisma } from "@/lib/db/client";
import { processDueErasures, purgeExpiredRetention } from "@/lib/services/erasure";
import { withDatabase } from "./with-database";

await withDatabase(async () => {
  console.log(`erasures executed: ${await processDueErasures()}`);
  console.log(`retention periods ended and purged: ${await purgeExpiredRetention()}`);
  await disconnectPrisma();
});
