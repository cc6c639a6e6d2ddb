import { sealAll } from "@/lib/audit/sealer";
import { verifyAuditLog } from "@/lib/audit/verify";

/** Seals what has committed, then verifies the whole chain; returns the problems found (none when intact). */
export async function verifyChain(): Promise<string[]> {
  await sealAll();
  const result = await verifyAuditLog({ record: false });
  if (!result.ok) return [`${result.kind} at chain position ${result.firstBadSeq}: ${result.detail}`];
  return result.unsealed === 0 ? [] : [`${result.unsealed} events left unsealed`];
}
