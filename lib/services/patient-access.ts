import "server-only";
import type { Actor } from "@/lib/access/actor";
import { NotFound, TooManyRequests } from "@/lib/access/errors";
import { config } from "@/lib/config";
import { pseudonym } from "@/lib/crypto/pseudonym";
import { lockSubject } from "@/lib/db/locks";
import type { ActorContext } from "@/lib/db/transaction";
import { withActor, withSystem } from "@/lib/db/transaction";
import { cipherOf, patientCipher, type PatientCipher } from "./patient-keys";

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The one gate to a single patient's data for staff: bulk-access guard, then row-level security decides
 * visibility. A patient out of scope is "not found" (no existence oracle) and the attempt is recorded.
 */
export async function openPatient(ctx: ActorContext, actor: Actor, patientId: string): Promise<PatientCipher> {
  assertPatientId(patientId);
  if (actor.role === "clinician") await guardBulkAccess(ctx, actor, patientId);
  const cipher = await patientCipher(ctx.tx, patientId);
  if (!cipher) refuseOutOfScope(ctx, actor, patientId);
  return cipher;
}

/** A malformed id is "not found" before any query: nothing to record, nothing to look up. */
export function assertPatientId(patientId: string): void {
  if (!uuidPattern.test(patientId)) throw new NotFound("patient");
}

/**
 * The same gate for a hot-path read that asks the guard and fetches the wrapped key in its own single
 * statement (chart.ts): `admissionColumn` is the guard as one column of that statement, `admitPatient` turns
 * its answers into the cipher or the same refusals, recorded the same way.
 */
export function admissionColumn(actor: Actor, patientId: string, params: unknown[]): string {
  if (actor.role !== "clinician") return "true";
  const { maxPatients, windowSeconds } = config().bulkAccess;
  params.push(actor.userId, patientId, maxPatients, windowSeconds);
  const n = params.length;
  return `bulk_access_admit($${n - 3}::uuid, $${n - 2}::uuid, $${n - 1}::int, $${n}::float8)`;
}

export function admitPatient(
  ctx: Pick<ActorContext, "onRollback">,
  actor: Actor,
  patientId: string,
  answer: { allowed: boolean; dekWrapped: string | null },
): PatientCipher {
  if (!answer.allowed) refuseBulkAccess(ctx, actor, patientId);
  if (answer.dekWrapped === null) refuseOutOfScope(ctx, actor, patientId);
  return cipherOf(patientId, answer.dekWrapped);
}

function refuseOutOfScope(ctx: Pick<ActorContext, "onRollback">, actor: Actor, patientId: string): never {
  ctx.onRollback(() => recordOutOfScope(actor, patientId));
  throw new NotFound("patient");
}

async function recordOutOfScope(actor: Actor, patientId: string): Promise<void> {
  // Its own transaction: the caller's rolls back with the NotFound, the record of the attempt must stay.
  await withActor(actor, async ({ audit }) =>
    audit({ action: "access.denied", outcome: "denied", resourceType: "patient", patientId, details: { reason: "out-of-scope" } }),
  );
}

/**
 * Seed design's bulk-access guard: more than N distinct patients in the window is the signature of
 * scraping, not care. Counted in PostgreSQL so it holds across app instances, in one round trip:
 * bulk_access_admit (migration 0013) takes the per-clinician lock, so parallel opens queue instead of all
 * counting the same committed rows, then counts and records the open.
 */
async function guardBulkAccess(ctx: ActorContext, actor: Actor, patientId: string): Promise<void> {
  const { maxPatients, windowSeconds } = config().bulkAccess;
  const [row] = await ctx.tx.$queryRaw<{ allowed: boolean }[]>`
    SELECT bulk_access_admit(${actor.userId}::uuid, ${patientId}::uuid, ${maxPatients}::int, ${windowSeconds}::float8) AS allowed`;
  if (!row?.allowed) refuseBulkAccess(ctx, actor, patientId);
}

function refuseBulkAccess(ctx: Pick<ActorContext, "onRollback">, actor: Actor, patientId: string): never {
  const { maxPatients, windowSeconds } = config().bulkAccess;
  ctx.onRollback(() => recordBulkAccess(actor, patientId, maxPatients, windowSeconds));
  throw new TooManyRequests("bulk-access-limit");
}

async function recordBulkAccess(actor: Actor, patientId: string, max: number, windowSeconds: number): Promise<void> {
  // System context: clinicians cannot read alerts, yet the one-alert-per-window check must see them.
  await withSystem(actor.request, async ({ tx, audit }) => {
    await lockSubject(tx, "bulk-access.alert", actor.userId);
    const recent = await tx.alert.count({
      where: { kind: "bulk_access", actorId: actor.userId, createdAt: { gt: new Date(Date.now() - windowSeconds * 1000) } },
    });
    // One alert per window is enough for a reviewer; every refused request is still in the audit log.
    if (recent === 0) {
      await tx.alert.create({
        data: { kind: "bulk_access", severity: "high", actorId: actor.userId, patientPseudonym: pseudonym(patientId), details: { max, windowSeconds } },
      });
    }
    audit({
      action: "access.bulk_refused",
      outcome: "denied",
      actorId: actor.userId,
      actorRole: actor.role,
      resourceType: "patient",
      patientId,
      details: { max, windowSeconds },
    });
  });
}
