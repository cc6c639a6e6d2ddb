import "server-only";
import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { Conflict, NotFound } from "@/lib/access/errors";
import { purposeTexts } from "@/lib/consent/purposes";
import { blindIndex } from "@/lib/crypto/blind-index";
import { openSystem, sealSystem } from "@/lib/crypto/secret";
import { withSystem, type ActorContext } from "@/lib/db/transaction";
import { decisionSchema, extensionSchema, newRequestSchema, type NewRequest } from "@/lib/validation/requests";
import { detailsAt, logRequestEvent, reasonAt, viewOf, type RequestView } from "./data-requests";
import { patientCipher } from "./patient-keys";
import { identityOf } from "./patient-view";
import { nameDobIndex } from "./patients";

export interface QueuedRequest extends RequestView {
  patientPseudonym: string;
}

const open = ["pending", "scheduled"];

/**
 * The admin's queue. Admins decide on requests but do not read PHI: they see the kind, the field and the
 * patient's reason; a rectification's new value is applied by the system without being shown.
 */
export async function requestQueue(actor: Actor): Promise<QueuedRequest[]> {
  await authorize(actor, "erasure.manage");
  // System context on the admin's behalf: request rows are the admin's to see, identities are not touched.
  return withSystem(
    actor.request,
    async ({ tx, audit }) => {
      const rows = await tx.dataRequest.findMany({
        where: { status: { in: open } },
        include: { events: { orderBy: { createdAt: "asc" } } },
        orderBy: { gdprDueAt: "asc" },
      });
      audit({ action: "request.queue_read", actorId: actor.userId, actorRole: actor.role, details: { returned: rows.length } });
      return rows.map((r) => ({ ...viewOf(r), patientPseudonym: r.patientPseudonym }));
    },
    actor.userId,
  );
}

const fieldColumn = {
  givenName: "given_name_enc",
  familyName: "family_name_enc",
  address: "address_enc",
  phone: "phone_enc",
  email: "email_enc",
} as const;
const fieldProperty = { givenName: "givenNameEnc", familyName: "familyNameEnc", address: "addressEnc", phone: "phoneEnc", email: "emailEnc" } as const;

async function apply(ctx: ActorContext, actor: Actor, patientId: string, details: NewRequest): Promise<void> {
  const { tx } = ctx;
  if (details.kind === "rectification") {
    const cipher = await patientCipher(tx, patientId);
    const row = await tx.patientIdentity.findUnique({ where: { patientId } });
    if (!cipher || !row) throw new NotFound("patient");
    const corrected = { ...identityOf(cipher, row), [details.field]: details.proposedValue };
    await tx.patientIdentity.update({
      where: { patientId },
      data: {
        [fieldProperty[details.field]]: cipher.seal("patient_identity", fieldColumn[details.field], patientId, details.proposedValue),
        // Every search key is recomputed from the corrected identity: a stale one would find the patient under
        // the name they asked to have corrected, and miss them under the right one.
        nameDobBidx: nameDobIndex(corrected),
        emailBidx: corrected.email === null ? null : blindIndex("email", corrected.email),
      },
    });
  } else if (details.kind === "restriction") {
    await tx.patientRestriction.upsert({ where: { patientId }, create: { patientId, reason: "restriction" }, update: {} });
  } else if (details.kind === "objection") {
    await tx.consentEvent.create({
      data: {
        patientId,
        purpose: details.purpose,
        decision: "withdrawn",
        textVersion: purposeTexts[details.purpose].version,
        method: "objection",
        actorId: actor.userId,
      },
    });
  }
}

export async function decideRequest(actor: Actor, raw: unknown): Promise<void> {
  const input = decisionSchema.parse(raw);
  await authorize(actor, "erasure.manage");
  await withSystem(
    actor.request,
    async (ctx) => {
      const { tx, audit } = ctx;
      const request = await tx.dataRequest.findUnique({ where: { id: input.requestId } });
      if (!request || !open.includes(request.status) || !request.patientId || !request.detailsEnc) throw new NotFound("open request");
      const details = newRequestSchema.parse(JSON.parse(openSystem(request.detailsEnc, detailsAt(request.id))));
      // An approved erasure stays scheduled: it runs when its grace period ends.
      const status = input.decision === "reject" ? "rejected" : details.kind === "erasure" ? "scheduled" : "completed";
      if (input.decision === "approve") await apply(ctx, actor, request.patientId, details);
      await tx.dataRequest.update({
        where: { id: request.id },
        data: {
          status,
          decidedBy: actor.userId,
          decidedAt: new Date(),
          decisionReasonEnc: sealSystem(input.reason, reasonAt(request.id, "decision_reason_enc")),
        },
      });
      await logRequestEvent(tx, request.id, status, input.decision === "approve" ? "Approved" : "Rejected", actor.role);
      audit({
        action: "request.decide",
        actorId: actor.userId,
        actorRole: actor.role,
        resourceType: "data_request",
        resourceId: request.id,
        patientId: request.patientId,
        details: { kind: details.kind, decision: input.decision },
      });
    },
    actor.userId,
  );
}

/** GDPR Art. 12(3): once, by two further months (HIPAA: 30 days), with the reason told to the patient. */
export async function extendRequest(actor: Actor, raw: unknown): Promise<void> {
  const input = extensionSchema.parse(raw);
  await authorize(actor, "erasure.manage");
  await withSystem(
    actor.request,
    async ({ tx, audit }) => {
      const request = await tx.dataRequest.findUnique({ where: { id: input.requestId } });
      if (!request || !open.includes(request.status)) throw new NotFound("open request");
      if (request.extendedReasonEnc) throw new Conflict("This request has already been extended once.");
      const gdpr = new Date(request.gdprDueAt);
      gdpr.setUTCMonth(gdpr.getUTCMonth() + 2);
      await tx.dataRequest.update({
        where: { id: request.id },
        data: {
          gdprDueAt: gdpr,
          hipaaDueAt: new Date(request.hipaaDueAt.getTime() + 30 * 86_400_000),
          extendedReasonEnc: sealSystem(input.reason, reasonAt(request.id, "extended_reason_enc")),
        },
      });
      await logRequestEvent(tx, request.id, request.status, "Deadline extended", actor.role);
      audit({ action: "request.extend", actorId: actor.userId, actorRole: actor.role, resourceType: "data_request", resourceId: request.id });
    },
    actor.userId,
  );
}
