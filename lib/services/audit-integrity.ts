import "server-only";
import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { sealAll } from "@/lib/audit/sealer";
import { verifyAuditLog, type VerifyResult } from "@/lib/audit/verify";
import { withActor } from "@/lib/db/transaction";

export interface IntegrityStatus {
  lastVerification: { at: string; ok: boolean; events: number; firstBadSeq?: number; kind?: string } | null;
  lastCheckpoint: { seq: string; signedAt: string } | null;
}

/** The auditor's integrity panel: the last verification (from the log itself) and the last signed checkpoint. */
export async function integrityStatus(actor: Actor): Promise<IntegrityStatus> {
  await authorize(actor, "audit.verify");
  return withActor(actor, async ({ tx }) => {
    const verification = await tx.auditEvent.findFirst({ where: { action: "audit.verify" }, orderBy: { seq: "desc" } });
    const checkpoint = await tx.auditCheckpoint.findFirst({ orderBy: { seq: "desc" } });
    const details = (verification?.details ?? {}) as { ok?: boolean; events?: number; firstBadSeq?: number; kind?: string };
    return {
      lastVerification: verification
        ? { at: verification.occurredAt.toISOString(), ok: details.ok === true, events: details.events ?? 0, firstBadSeq: details.firstBadSeq, kind: details.kind }
        : null,
      lastCheckpoint: checkpoint ? { seq: checkpoint.seq.toString(), signedAt: checkpoint.signedAt.toISOString() } : null,
    };
  });
}

/** "Verify now": the full verifier over the whole log and the external checkpoints; the run is itself logged. */
export async function verifyNow(actor: Actor): Promise<VerifyResult> {
  await authorize(actor, "audit.verify");
  // Up to the moment of asking: what has committed is sealed first, so the answer covers it.
  await sealAll();
  return verifyAuditLog({ request: actor.request, onBehalfOf: actor.userId });
}
