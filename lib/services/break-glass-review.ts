import "server-only";
import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { Conflict, NotFound } from "@/lib/access/errors";
import { pseudonym } from "@/lib/crypto/pseudonym";
import { openSystem, sealSystem } from "@/lib/crypto/secret";
import { withActor } from "@/lib/db/transaction";
import { breakGlassReviewSchema } from "@/lib/validation/audit";

export interface BreakGlassUse {
  grantId: string;
  clinicianId: string;
  patientPseudonym: string;
  /**
   * The clinician's justification: auditors must read it to judge the access (HIPAA 164.308(a)(1)(ii)(D)).
   * Null once the patient is erased (free text about them; lib/services/erasure.ts).
   */
  reason: string | null;
  createdAt: string;
  expiresAt: string;
  review: { decision: string; comment: string | null; reviewerId: string; reviewedAt: string } | null;
}

export async function listBreakGlassUses(actor: Actor): Promise<BreakGlassUse[]> {
  await authorize(actor, "breakGlass.review");
  return withActor(actor, async ({ tx, audit }) => {
    const grants = await tx.breakGlassGrant.findMany({ orderBy: { createdAt: "desc" }, take: 200 });
    const reviews = await tx.breakGlassReview.findMany({ where: { grantId: { in: grants.map((g) => g.id) } } });
    const byGrant = new Map(reviews.map((r) => [r.grantId, r]));
    audit({ action: "break_glass.review_list", details: { returned: grants.length } });
    return grants.map((g) => {
      const r = byGrant.get(g.id);
      return {
        grantId: g.id,
        clinicianId: g.clinicianId,
        patientPseudonym: pseudonym(g.patientId),
        reason: g.reasonEnc === null ? null : openSystem(g.reasonEnc, { table: "break_glass_grant", column: "reason_enc", rowId: g.id }),
        createdAt: g.createdAt.toISOString(),
        expiresAt: g.expiresAt.toISOString(),
        review: r
          ? {
              decision: r.decision,
              comment: r.commentEnc === null ? null : openSystem(r.commentEnc, { table: "break_glass_review", column: "comment_enc", rowId: r.grantId }),
              reviewerId: r.reviewerId,
              reviewedAt: r.reviewedAt.toISOString(),
            }
          : null,
      };
    });
  });
}

export async function reviewBreakGlass(actor: Actor, raw: unknown): Promise<void> {
  const input = breakGlassReviewSchema.parse(raw);
  await authorize(actor, "breakGlass.review");
  await withActor(actor, async ({ tx, audit }) => {
    const grant = await tx.breakGlassGrant.findUnique({ where: { id: input.grantId } });
    if (!grant) throw new NotFound("break-glass use");
    if (await tx.breakGlassReview.findUnique({ where: { grantId: grant.id } })) throw new Conflict("This use has already been reviewed.");
    await tx.breakGlassReview.create({
      data: {
        grantId: grant.id,
        reviewerId: actor.userId,
        decision: input.decision,
        commentEnc: sealSystem(input.comment, { table: "break_glass_review", column: "comment_enc", rowId: grant.id }),
      },
    });
    audit({
      action: "break_glass.review",
      resourceType: "break_glass_grant",
      resourceId: grant.id,
      patientId: grant.patientId,
      details: { decision: input.decision },
    });
  });
}
