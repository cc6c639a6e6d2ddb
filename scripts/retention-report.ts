/**
 * `npm run retention:report`: the dry run. Prints each category's period and how many rows the next daily
 * retention run would remove, removing nothing (the report itself is audited).
 */
import { noRequest } from "@/lib/access/actor";
import { disconnectPrisma } from "@/lib/db/client";
import { retentionDryRun } from "@/lib/services/retention";
import { retentionCategories, type RetentionCategory } from "@/lib/validation/retention";
import { withDatabase } from "./with-database";

await withDatabase(async () => {
  const due = await retentionDryRun(noRequest);
  for (const category of Object.keys(retentionCategories) as RetentionCategory[]) {
    console.log(`${category.padEnd(24)} ${String(due[category]).padStart(8)} would be removed  (${retentionCategories[category].label})`);
  }
  await disconnectPrisma();
});
