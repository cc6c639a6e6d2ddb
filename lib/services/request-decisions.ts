import "server-only";
import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { Conflict, NotFound } from "@/lib/access/errors";
import { purposeTexts } from "@/lib/consent/purposes";
import { withSystem, type ActorContext } from "@/lib/db/transaction";
import { decisionSchema, extensionSchema, requestHistoryFilterSchema, storedRequestSchema, type NewRequest } from "@/lib/validation/requests";
import { lockedRequest, logRequestEvent, viewOf, type RequestView } from "./data-requests";
import { patientCipher, patientCiphers } from "./patient-keys";
import { openAbout, sealAbout } from "./patient-text";

export interface QueuedRequest extends RequestView {
  patientPseudonym: string;
}

const open = ["pending", "scheduled"];

/**
 * The admin's queue. Admins decide on requests but do not read PHI: they see the kind, the field and the
 * patient's reason. Rectifications do not come here: the system checks and applies them (data-requests.ts).
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
      const ciphers = await patientCiphers(tx, patientIdsOf(rows));
      return rows.map((r) => ({ ...viewOf(r, "staff", r.patientId ? ciphers.get(r.patientId) : null), patientPseudonym: r.patientPseudonym }));
    },
    actor.userId,
  );
}

const patientIdsOf = (rows: { patientId: string | null }[]) => [...new Set(rows.flatMap((r) => (r.patientId ? [r.patientId] : [])))];

export const HISTORY_LIMIT = 100;

/** Closed requests, newest decision first: what was decided, by which rule, and why (no PHI, as in the queue). */
export async function decidedRequests(actor: Actor, raw: unknown): Promise<QueuedRequest[]> {
  const filter = requestHistoryFilterSchema.parse(raw);
  await authorize(actor, "erasure.manage");
  return withSystem(
    actor.request,
    async ({ tx, audit }) => {
      const rows = await tx.dataRequest.findMany({
        where: {
          status: filter.status ?? { notIn: open },
          ...(filter.kind ? { kind: filter.kind } : {}),
          // Corrections the system applied are the patient's own business: admins never see them (data-requests.ts).
          NOT: { kind: "rectification", decidedBy: null },
        },
        include: { events: { orderBy: { createdAt: "asc" } } },
        orderBy: [{ decidedAt: { sort: "desc", nulls: "last" } }, { createdAt: "desc" }],
        take: HISTORY_LIMIT,
      });
      audit({ action: "request.history_read", actorId: actor.userId, actorRole: actor.role, details: { ...filter, returned: rows.length } });
      const ciphers = await patientCiphers(tx, patientIdsOf(rows));
      return rows.map((r) => ({ ...viewOf(r, "staff", r.patientId ? ciphers.get(r.patientId) : null), patientPseudonym: r.patientPseudonym }));
    },
    actor.userId,
  );
}

async function apply(ctx: ActorContext, actor: Actor, patientId: string, details: NewRequest): Promise<void> {
  const { tx } = ctx;
  if (details.kind === "restriction") {
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

/** Decided (by another administrator a moment ago, perhaps), cancelled by the patient, or carried out. */
const closed = () => new Conflict("This request has already been decided, cancelled or carried out. Reload the page to see where it stands.");

export async function decideRequest(actor: Actor, raw: unknown): Promise<void> {
  const input = decisionSchema.parse(raw);
  await authorize(actor, "erasure.manage");
  await withSystem(
    actor.request,
    async (ctx) => {
      const { tx, audit } = ctx;
      const request = await lockedRequest(tx, input.requestId);
      if (!request || !request.patientId || !request.detailsEnc) throw new NotFound("open request");
      // One decision per request: an approved erasure stays open (scheduled) until it runs, but is decided.
      if (!open.includes(request.status) || request.decidedBy !== null) throw closed();
      // The admin's reason is about this patient too: under the same data key as the request (patient-text.ts).
      const cipher = await patientCipher(tx, request.patientId);
      const details = storedRequestSchema.parse(JSON.parse(openAbout(cipher, "data_request", "details_enc", request.id, request.detailsEnc)));
      // The admin cannot see a rectification's new value, so approving one would be blind. The system applies
      // a valid value when the patient sends it (lib/services/data-requests.ts); one still open here predates
      // that check and can only be rejected, after which the patient can send it again.
      if (details.kind === "rectification" && input.decision === "approve") {
        throw new Conflict("A correction is applied automatically once its new value has been checked. Reject this one; the patient can send it again.");
      }
      // An approved erasure stays scheduled: it runs when its grace period ends.
      const status = input.decision === "reject" ? "rejected" : details.kind === "erasure" ? "scheduled" : "completed";
      if (input.decision === "approve") await apply(ctx, actor, request.patientId, details);
      await tx.dataRequest.update({
        where: { id: request.id },
        data: {
          status,
          decidedBy: actor.userId,
          decidedAt: new Date(),
          decisionReasonEnc: sealAbout(cipher, "data_request", "decision_reason_enc", request.id, input.reason),
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
      const request = await lockedRequest(tx, input.requestId);
      if (!request) throw new NotFound("open request");
      if (!open.includes(request.status)) throw closed();
      if (request.extendedReasonEnc) throw new Conflict("This request has already been extended once.");
      const cipher = request.patientId ? await patientCipher(tx, request.patientId) : null;
      const gdpr = new Date(request.gdprDueAt);
      gdpr.setUTCMonth(gdpr.getUTCMonth() + 2);
      await tx.dataRequest.update({
        where: { id: request.id },
        data: {
          gdprDueAt: gdpr,
          hipaaDueAt: new Date(request.hipaaDueAt.getTime() + 30 * 86_400_000),
          extendedReasonEnc: sealAbout(cipher, "data_request", "extended_reason_enc", request.id, input.reason),
        },
      });
      await logRequestEvent(tx, request.id, request.status, "Deadline extended", actor.role);
      audit({ action: "request.extend", actorId: actor.userId, actorRole: actor.role, resourceType: "data_request", resourceId: request.id });
    },
    actor.userId,
  );
}
