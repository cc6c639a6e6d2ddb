/**
 * `npm run erasure:replay`: run after any restore from backup, so a restore never resurrects an erased person.
 * Reads the restored database's ledger and the file, erases everyone either names, then rewrites the file.
 */
import { disconnectPrisma } from "@/lib/db/client";
import { replayErasureLedger } from "@/lib/services/erasure";
import { ledgerFile } from "@/lib/services/erasure-ledger";
import { withDatabase } from "./with-database";

await withDatabase(async () => {
  console.log(`re-applied ${await replayErasureLedger()} erasures from the database ledger and ${ledgerFile()}`);
  await disconnectPrisma();
});
