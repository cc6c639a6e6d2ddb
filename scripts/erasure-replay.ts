/** `npm run erasure:replay`: run after any restore from backup, so a restore never resurrects an erased person. */
import { disconnectPrisma } from "@/lib/db/client";
import { ledgerFile, replayErasureLedger } from "@/lib/services/erasure";
import { withDatabase } from "./with-database";

await withDatabase(async () => {
  console.log(`re-applied ${await replayErasureLedger()} erasures from ${ledgerFile()}`);
  await disconnectPrisma();
});
