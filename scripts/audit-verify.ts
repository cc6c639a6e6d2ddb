/**
 * `npm run audit:verify [-- options]`: verifies the audit log and its signed checkpoints; exit code 0 when intact.
 *   --checkpoint-file <file>      hold the log against this checkpoint file (e.g. an auditor's copy) instead of the configured one
 *   --checkpoint                  after a clean verification, sign the head now (e.g. before a backup)
 *   --export-checkpoints <file>   write the database's checkpoints as JSON lines, and the public key to <file>.pub.pem
 */
import { parseArgs } from "node:util";
import { exportCheckpoints, writeCheckpointNow } from "@/lib/audit/checkpoint";
import { sealAll } from "@/lib/audit/sealer";
import { verifyAuditLog } from "@/lib/audit/verify";
import { disconnectPrisma } from "@/lib/db/client";
import { withDatabase } from "./with-database";

const { values } = parseArgs({
  options: {
    "checkpoint-file": { type: "string" },
    checkpoint: { type: "boolean", default: false },
    "export-checkpoints": { type: "string" },
  },
});

await withDatabase(async () => {
  try {
    // What has committed is sealed first (or waited for, when a running server is sealing), so all of it is checked.
    await sealAll();
    const result = await verifyAuditLog({ checkpointFile: values["checkpoint-file"] });
    if (result.ok) {
      console.log(`ok: ${result.events} events, last seq ${result.lastSeq}, ${result.checkpoints} checkpoints verified`);
      if (result.ignoredCheckpoints > 0) {
        console.warn(`note: ${result.ignoredCheckpoints} checkpoints in the file are signed by another key and were ignored; give each deployment its own CUSTODIA_CHECKPOINT_DIR`);
      }
      if (values.checkpoint) {
        const cp = await writeCheckpointNow();
        if (cp) console.log(`checkpoint signed at seq ${cp.seq}`);
      }
    } else {
      console.log(`FAILED at seq ${result.firstBadSeq}: ${result.kind} (${result.detail})`);
      for (const problem of result.problems.slice(1)) console.log(`also at seq ${problem.seq}: ${problem.kind} (${problem.detail})`);
      if (result.moreProblems) console.log(`and more: only the first ${result.problems.length} problems are listed`);
    }
    const target = values["export-checkpoints"];
    if (target) {
      const { count, publicKeyFile } = await exportCheckpoints(target);
      console.log(`exported ${count} checkpoints to ${target}, public key to ${publicKeyFile}`);
    }
    process.exitCode = result.ok ? 0 : 1;
  } finally {
    await disconnectPrisma();
  }
});
