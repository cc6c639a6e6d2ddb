/**
 * `npm run erasure:process`: the daily jobs run once by hand (or by cron where the job runner is not used):
 * executes erasures whose grace period has ended, then applies every retention period (retention-purge).
 */
import { noRequest } from "@/lib/access/actor";
import { disconnectPrisma } from "@/lib/db/client";
import { processDueErasures } from "@/lib/services/erasure";
import { applyRetention } from "@/lib/services/retention";
import { withDatabase } from "./with-database";

await withDatabase(async () => {
  console.log(`erasures executed: ${await processDueErasures()}`);
  const { removed, failed } = await applyRetention(noRequest);
  for (const [category, n] of Object.entries(removed)) console.log(`retention ${category}: ${n} removed`);
  if (failed.length > 0) {
    console.error(`purge failed for ${failed.length} erased patient(s): ${failed.join(", ")} (see the audit log)`);
    process.exitCode = 1;
  }
  await disconnectPrisma();
});
