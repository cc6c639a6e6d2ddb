import "server-only";
import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { Conflict, NotFound } from "@/lib/access/errors";
import { pseudonym } from "@/lib/crypto/pseudonym";
import type { BreakGlassGrant } from "@/lib/db/generated/client";
import { refusingDuplicate } from "@/lib/db/errors";
import { withActor, type Tx } from "@/lib/db/transaction";
import { breakGlassReviewSchema } from "@/lib/validation/audit";
import { ciphersForStaff, openAbout, sealAbout } from "./patient-text";
import { staffNamesById } from "./staff-names";

export interface BreakGlassUse {
  grantId: string;
  clinicianId: string;
  patientPseudonym: string;
  /**
   * The clinician's justification: auditors must read it to judge the access (HIPAA 164.308(a)(1)(ii)(D)).
   * Null once the patient is erased (free text about them; lib/services/erasure.ts).
   */
  reason: string | null;
  clinicianName: string | null;
  createdAt: string;
  expiresAt: string;
  /** What the clinician did with this patient while the grant lasted, oldest first (at most TIMELINE_LIMIT). */
  activity: { seq: string; at: string; action: string; outcome: string }[];
  review: { decision: string; comment: string | null; reviewerId: string; reviewedAt: string } | null;
}

export const TIMELINE_LIMIT = 50;

export async function listBreakGlassUses(actor: Actor): Promise<BreakGlassUse[]> {
  await authorize(actor, "breakGlass.review");
  const uses = await withActor(actor, async ({ tx, audit }) => {
    const grants = await tx.breakGlassGrant.findMany({ orderBy: { createdAt: "desc" }, take: 200 });
    const reviews = await tx.breakGlassReview.findMany({ where: { grantId: { in: grants.map((g) => g.id) } } });
    const byGrant = new Map(reviews.map((r) => [r.grantId, r]));
    const activity = await activityDuring(tx, grants);
    audit({ action: "break_glass.review_list", details: { returned: grants.length } });
    return grants.map((g) => {
      const r = byGrant.get(g.id);
      return {
        grantId: g.id,
        clinicianId: g.clinicianId,
        clinicianName: null as string | null,
        patientPseudonym: pseudonym(g.patientId),
        patientId: g.patientId,
        reasonEnc: g.reasonEnc,
        createdAt: g.createdAt.toISOString(),
        expiresAt: g.expiresAt.toISOString(),
        activity: activity.get(g.id) ?? [],
        review: r
          ? {
              decision: r.decision,
              commentEnc: r.commentEnc,
              reviewerId: r.reviewerId,
              reviewedAt: r.reviewedAt.toISOString(),
            }
          : null,
      };
    });
  });
  const names = uses.length === 0 ? new Map<string, string>() : await staffNamesById(actor.request, uses.map((u) => u.clinicianId));
  // Reasons and review comments are under each patient's data key, which the auditor's own context may not
  // read (patient-text.ts).
  const ciphers = await ciphersForStaff(actor.request, uses.filter((u) => u.reasonEnc !== null || u.review?.commentEnc).map((u) => u.patientId));
  return uses.map(({ patientId, reasonEnc, review, ...u }) => ({
    ...u,
    reason: reasonEnc === null ? null : openAbout(ciphers.get(patientId), "break_glass_grant", "reason_enc", u.grantId, reasonEnc),
    review: review && {
      decision: review.decision,
      comment: review.commentEnc === null ? null : openAbout(ciphers.get(patientId), "break_glass_review", "comment_enc", u.grantId, review.commentEnc),
      reviewerId: review.reviewerId,
      reviewedAt: review.reviewedAt,
    },
    clinicianName: names.get(u.clinicianId) ?? null,
  }));
}

/**
 * The reviewer judges the access by what was done with it: the clinician's events about that patient between
 * the grant and its end (expiry, or the earlier end the clinician chose). One query for all grants on the page.
 */
async function activityDuring(tx: Tx, grants: BreakGlassGrant[]): Promise<Map<string, BreakGlassUse["activity"]>> {
  const byGrant = new Map<string, BreakGlassUse["activity"]>();
  if (grants.length === 0) return byGrant;
  const events = await tx.auditEvent.findMany({
    where: {
      actorId: { in: [...new Set(grants.map((g) => g.clinicianId))] },
      patientPseudonym: { in: [...new Set(grants.map((g) => pseudonym(g.patientId)))] },
      occurredAt: { gte: new Date(Math.min(...grants.map((g) => g.createdAt.getTime()))), lte: new Date(Math.max(...grants.map((g) => g.expiresAt.getTime()))) },
    },
    select: { seq: true, occurredAt: true, actorId: true, patientPseudonym: true, action: true, outcome: true },
    orderBy: { seq: "asc" },
  });
  for (const g of grants) {
    const psn = pseudonym(g.patientId);
    const during = events.filter(
      (e) => e.actorId === g.clinicianId && e.patientPseudonym === psn && e.occurredAt >= g.createdAt && e.occurredAt <= g.expiresAt,
    );
    byGrant.set(
      g.id,
      during.slice(0, TIMELINE_LIMIT).map((e) => ({ seq: e.seq.toString(), at: e.occurredAt.toISOString(), action: e.action, outcome: e.outcome })),
    );
  }
  return byGrant;
}

const alreadyReviewed = () => new Conflict("This use has already been reviewed.");

export async function reviewBreakGlass(actor: Actor, raw: unknown): Promise<void> {
  const input = breakGlassReviewSchema.parse(raw);
  await authorize(actor, "breakGlass.review");
  // The comment is text about the patient's care: sealed under the patient's data key, like the clinician's
  // reason, so erasure reaches old backups too. The grant is found under the auditor's own rights first; only
  // then is that one patient's key looked up (the auditor's context may not read keys).
  const found = await withActor(actor, ({ tx }) => tx.breakGlassGrant.findUnique({ where: { id: input.grantId }, select: { patientId: true } }));
  if (!found) throw new NotFound("break-glass use");
  const cipher = (await ciphersForStaff(actor.request, [found.patientId])).get(found.patientId) ?? null;
  // Two reviewers at once both pass the check above; the review's key on the grant refuses the second.
  await refusingDuplicate(
    withActor(actor, async ({ tx, audit }) => {
      const grant = await tx.breakGlassGrant.findUnique({ where: { id: input.grantId } });
      if (!grant || grant.patientId !== found.patientId) throw new NotFound("break-glass use");
      if (await tx.breakGlassReview.findUnique({ where: { grantId: grant.id } })) throw alreadyReviewed();
      await tx.breakGlassReview.create({
        data: {
          grantId: grant.id,
          reviewerId: actor.userId,
          decision: input.decision,
          commentEnc: sealAbout(cipher, "break_glass_review", "comment_enc", grant.id, input.comment),
        },
      });
      audit({
        action: "break_glass.review",
        resourceType: "break_glass_grant",
        resourceId: grant.id,
        patientId: grant.patientId,
        details: { decision: input.decision },
      });
    }),
    alreadyReviewed,
  );
}
