import { noRequest } from "@/lib/access/actor";
import { sealAll } from "@/lib/audit/sealer";
import { verifyAuditLog, type VerifyResult } from "@/lib/audit/verify";

// Its own module: lib/audit/verify.ts is server-only, and the rules (run.ts) must load where that throws.
/**
 * The scheduled verification (a job entry, as the signed system context): seals what has committed, runs the
 * full verifier, which records its result in the log; the alert rules then raise any failure.
 */
export async function verifyAuditIntegrity(): Promise<VerifyResult> {
  await sealAll();
  return verifyAuditLog({ request: noRequest });
}
