import "server-only";
import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { Conflict, NotFound } from "@/lib/access/errors";
import { config } from "@/lib/config";
import { pseudonym } from "@/lib/crypto/pseudonym";
import { lockSubject } from "@/lib/db/locks";
import { withActor, withSystem, type Tx } from "@/lib/db/transaction";
import { rectifiableLabels } from "@/lib/validation/rectification";
import { newRequestSchema, requestIdSchema, storedRequestSchema, type NewRequest } from "@/lib/validation/requests";
import { reauthenticate } from "@/lib/auth/reauthenticate";
import { patientCipher, type PatientCipher } from "./patient-keys";
import { openAbout, sealAbout } from "./patient-text";
import { applyRectification } from "./rectification";

export type RequestKind = NewRequest["kind"];

export interface RequestView {
  id: string;
  kind: RequestKind;
  status: string;
  createdAt: string;
  gdprDueAt: string;
  hipaaDueAt: string;
  executeAfter: string | null;
  decisionReason: string | null;
  extendedReason: string | null;
  summary: string;
  history: { status: string; note: string; by: string; at: string }[];
}

export const detailsAt = (id: string) => ({ table: "data_request", column: "details_enc", rowId: id });
export const reasonAt = (id: string, column: "decision_reason_enc" | "extended_reason_enc") => ({ table: "data_request", column, rowId: id });

/** Legal clocks: GDPR Art. 12(3) one calendar month; HIPAA 164.524/526 thirty days. */
export function deadlines(from: Date): { gdprDueAt: Date; hipaaDueAt: Date } {
  const gdpr = new Date(from);
  gdpr.setUTCMonth(gdpr.getUTCMonth() + 1);
  return { gdprDueAt: gdpr, hipaaDueAt: new Date(from.getTime() + 30 * 86_400_000) };
}

/**
 * A request read to decide on it, locked until commit: every writer that checks its status first (a decision,
 * an extension, the erasure run) takes this lock, so a second one waits and then reads what the first
 * committed (READ COMMITTED: a fresh snapshot per statement) instead of acting on the same open request. A
 * patient's cancellation is a single conditional UPDATE, which waits on the same lock. Null if there is none.
 */
export async function lockedRequest(tx: Tx, requestId: string) {
  await tx.$executeRaw`SELECT 1 FROM data_request WHERE id = ${requestId}::uuid FOR UPDATE`;
  return tx.dataRequest.findUnique({ where: { id: requestId } });
}

export async function logRequestEvent(tx: Tx, requestId: string, status: string, note: string, actorRole: string): Promise<void> {
  await tx.dataRequestEvent.create({ data: { requestId, status, note, actorRole } });
}

/** Shown for a request whose details were cleared when its patient was erased (lib/services/erasure.ts). */
export const ERASED_DETAILS = "Details erased with the patient's data";

/**
 * What a request asks for, in words. The patient sees the new value they asked for; staff do not (it is PHI
 * and no staff decision needs it).
 */
export function summarize(details: NewRequest, audience: "patient" | "staff"): string {
  switch (details.kind) {
    case "rectification": {
      const label = rectifiableLabels[details.field];
      return audience === "patient" ? `Correct ${label.toLowerCase()} to “${details.proposedValue}”: ${details.reason}` : `Correct ${label.toLowerCase()}: ${details.reason}`;
    }
    case "restriction":
      return `Restrict processing: ${details.reason}`;
    case "objection":
      return `Object to ${details.purpose.replace("_", " ")}: ${details.reason}`;
    case "erasure":
      return `Erase my data${details.reason ? `: ${details.reason}` : ""}`;
  }
}

function ownPatient(actor: Actor): string {
  if (!actor.patientId) throw new NotFound("patient record");
  return actor.patientId;
}

/** What the patient wrote is sealed under their data key (lib/services/patient-text.ts): erasure shreds it. */
async function createRequest(tx: Tx, id: string, patientId: string, input: NewRequest, status: string, now: Date) {
  const cipher = await patientCipher(tx, patientId);
  if (!cipher) throw new NotFound("patient record");
  return tx.dataRequest.create({
    data: {
      id,
      patientId,
      patientPseudonym: pseudonym(patientId),
      kind: input.kind,
      status,
      detailsEnc: sealAbout(cipher, "data_request", "details_enc", id, JSON.stringify(input)),
      ...deadlines(now),
      executeAfter: input.kind === "erasure" ? new Date(now.getTime() + config().erasureGraceSeconds * 1000) : null,
      createdAt: now,
      ...(status === "completed" ? { decidedAt: now } : {}),
    },
  });
}

/**
 * GDPR Art. 16, decided by the system: the admin may not read identity fields, so an admin approval would be
 * blind (issue 13: markup approved into a phone number). The new value has passed its field's check in
 * newRequestSchema; the patient is the source of their own details, so a valid value is applied at once, in
 * the system context on their behalf, and recorded as `request.auto_apply`.
 */
async function rectify(actor: Actor, patientId: string, input: Extract<NewRequest, { kind: "rectification" }>): Promise<string> {
  return withSystem(
    actor.request,
    async ({ tx, audit }) => {
      const id = crypto.randomUUID();
      await createRequest(tx, id, patientId, input, "completed", new Date());
      await applyRectification(tx, patientId, input.field, input.proposedValue);
      await logRequestEvent(tx, id, "pending", "Request received", "patient");
      await logRequestEvent(tx, id, "completed", "Checked and applied to your record", "system");
      const event = { actorId: actor.userId, actorRole: actor.role, resourceType: "data_request", resourceId: id, patientId };
      audit({ ...event, action: "request.submit", details: { kind: input.kind } });
      audit({ ...event, action: "request.auto_apply", details: { kind: input.kind, field: input.field } });
      return id;
    },
    actor.userId,
  );
}

export async function submitRequest(actor: Actor, raw: unknown): Promise<string> {
  const asked = newRequestSchema.parse(raw);
  await authorize(actor, "self.requests.manage");
  const patientId = ownPatient(actor);
  if (asked.kind === "rectification") return rectify(actor, patientId, asked);
  // Irreversible once it runs: the account owner confirms it is them (refused and audited otherwise).
  if (asked.kind === "erasure") await reauthenticate(actor, asked, "request.erasure");
  // What is stored is the request alone: the password and code are dropped here.
  const input = storedRequestSchema.parse(asked);
  return withActor(actor, async ({ tx, audit }) => {
    if (input.kind === "erasure") {
      // One open erasure per patient, also when two submissions race (double click, two tabs).
      await lockSubject(tx, "request.erasure", patientId);
      const open = await tx.dataRequest.count({ where: { patientId, kind: "erasure", status: { in: ["pending", "scheduled"] } } });
      if (open > 0) throw new Conflict("You already have an erasure request in progress.");
    }
    const id = crypto.randomUUID();
    const erasure = input.kind === "erasure";
    // GDPR Art. 17 with a grace period: scheduled at once, cancellable until it runs.
    await createRequest(tx, id, patientId, input, erasure ? "scheduled" : "pending", new Date());
    await logRequestEvent(tx, id, erasure ? "scheduled" : "pending", "Request received", "patient");
    audit({ action: "request.submit", resourceType: "data_request", resourceId: id, patientId, details: { kind: input.kind } });
    return id;
  });
}

export async function cancelRequest(actor: Actor, raw: unknown): Promise<void> {
  const { requestId } = requestIdSchema.parse(raw);
  await authorize(actor, "self.requests.manage");
  const patientId = ownPatient(actor);
  await withActor(actor, async ({ tx, audit }) => {
    const updated = await tx.dataRequest.updateMany({
      where: { id: requestId, patientId, status: { in: ["pending", "scheduled"] } },
      data: { status: "cancelled" },
    });
    if (updated.count === 0) throw new NotFound("open request");
    await logRequestEvent(tx, requestId, "cancelled", "Cancelled by you", "patient");
    audit({ action: "request.cancel", resourceType: "data_request", resourceId: requestId, patientId });
  });
}

export function viewOf(
  r: {
  id: string;
  kind: string;
  status: string;
  detailsEnc: string | null;
  createdAt: Date;
  gdprDueAt: Date;
  hipaaDueAt: Date;
  executeAfter: Date | null;
  decisionReasonEnc: string | null;
  extendedReasonEnc: string | null;
  events: { status: string; note: string; actorRole: string; createdAt: Date }[];
  },
  audience: "patient" | "staff",
  cipher: PatientCipher | null | undefined,
): RequestView {
  const open = (column: string, ct: string) => openAbout(cipher, "data_request", column, r.id, ct);
  return {
    id: r.id,
    kind: r.kind as RequestKind,
    status: r.status,
    createdAt: r.createdAt.toISOString(),
    gdprDueAt: r.gdprDueAt.toISOString(),
    hipaaDueAt: r.hipaaDueAt.toISOString(),
    executeAfter: r.executeAfter?.toISOString() ?? null,
    decisionReason: r.decisionReasonEnc ? open("decision_reason_enc", r.decisionReasonEnc) : null,
    extendedReason: r.extendedReasonEnc ? open("extended_reason_enc", r.extendedReasonEnc) : null,
    summary: r.detailsEnc === null ? ERASED_DETAILS : summarize(storedRequestSchema.parse(JSON.parse(open("details_enc", r.detailsEnc))), audience),
    history: r.events.map((e) => ({ status: e.status, note: e.note, by: e.actorRole, at: e.createdAt.toISOString() })),
  };
}

export async function myRequests(actor: Actor): Promise<RequestView[]> {
  await authorize(actor, "self.requests.manage");
  const patientId = ownPatient(actor);
  return withActor(actor, ({ tx }) => requestViews(tx, patientId));
}

/** Query: the patient's requests, newest first, with their history. No authorization. */
export async function requestViews(tx: Tx, patientId: string): Promise<RequestView[]> {
  const rows = await tx.dataRequest.findMany({
    where: { patientId },
    include: { events: { orderBy: { createdAt: "asc" } } },
    orderBy: { createdAt: "desc" },
  });
  const cipher = rows.length === 0 ? null : await patientCipher(tx, patientId);
  return rows.map((r) => viewOf(r, "patient", cipher));
}
