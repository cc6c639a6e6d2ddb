import "server-only";
import { noRequest, type RequestMeta } from "@/lib/access/actor";
import { createDataKey, forgetDataKey, unwrapDataKey } from "@/lib/crypto/envelope";
import { decryptField, encryptField } from "@/lib/crypto/field";
import { DecryptError } from "@/lib/crypto/errors";
import { pseudonym } from "@/lib/crypto/pseudonym";
import { withSystem, type ActorContext } from "@/lib/db/transaction";
import { log } from "@/lib/ops/log";
import { lockedRequest } from "./data-requests";
import { mergedLedger, syncLedgerFile, syncLedgerFileAfterCommit, type LedgerEntry } from "./erasure-ledger";

const ERASED = [
  "identity",
  "contact details",
  "blind indexes",
  "consent history",
  "other data requests",
  "account and sessions",
  "care-team links",
  "free-text reasons (the erasure request, break-glass uses, their reviews)",
  "data key",
];
const RETAINED = ["clinical records (re-encrypted under a retention key, restricted to legal use)"];

/**
 * GDPR Art. 17 erasure, in one transaction so a crash leaves the patient either untouched or fully erased:
 * records under a retention duty are re-encrypted under a fresh key, then the patient's data key is replaced
 * (crypto-shredding: old ciphertext is now unreadable, in the live database at once and in backups once the
 * key backups taken before today are pruned: docs/decisions/0013), identity and blind indexes are deleted,
 * what is kept is restricted, and a ledger entry (pseudonym only) is written in the database and, after
 * commit, to a file outside it, for replay after a restore.
 *
 * `replay`: the patient comes from a restored backup whose keys may be newer than its ciphertext (the key
 * backup of its time pruned, docs/decisions/0013), so a record no remaining key opens is already shredded:
 * it is left as the unreadable ciphertext it is, instead of failing the replay.
 */
export async function erasePatient(ctx: ActorContext, patientId: string, requestId: string, options: { replay?: boolean } = {}): Promise<LedgerEntry> {
  const { tx } = ctx;
  const stored = await tx.patientKey.findUnique({ where: { patientId } });
  if (!stored && !options.replay) throw new Error(`patient ${pseudonym(patientId)} has no data key`);
  const oldKey = stored ? unwrapDataKey(patientId, stored.dekWrapped) : null;
  const retention = createDataKey(patientId);
  const records = await tx.clinicalRecord.findMany({ where: { patientId }, select: { id: true, contentEnc: true, amendReasonEnc: true } });
  const reseal = (ciphertext: string, at: { table: string; column: string; rowId: string }): string | null => {
    if (!oldKey) return null;
    try {
      return encryptField(retention.dek, "d", decryptField(oldKey, ciphertext, at), at);
    } catch (error) {
      if (options.replay && error instanceof DecryptError) return null;
      throw error;
    }
  };
  let unreadable = 0;
  for (const r of records) {
    const reencrypted = reseal(r.contentEnc, { table: "clinical_record", column: "content_enc", rowId: r.id });
    if (reencrypted === null) {
      unreadable += 1;
      continue;
    }
    await tx.$executeRaw`UPDATE clinical_record SET content_enc = ${reencrypted} WHERE id = ${r.id}::uuid`;
    if (r.amendReasonEnc === null) continue;
    // An amendment's reason is part of the retained record: kept readable under the retention key too.
    const reason = reseal(r.amendReasonEnc, { table: "clinical_record", column: "amend_reason_enc", rowId: r.id });
    await tx.$executeRaw`UPDATE clinical_record SET amend_reason_enc = ${reason} WHERE id = ${r.id}::uuid`;
  }
  await tx.patientKey.upsert({
    where: { patientId },
    create: { patientId, dekWrapped: retention.wrapped, kekVersion: retention.kekVersion },
    update: { dekWrapped: retention.wrapped, kekVersion: retention.kekVersion, updatedAt: new Date() },
  });
  await tx.patientIdentity.deleteMany({ where: { patientId } });
  await tx.$executeRaw`DELETE FROM consent_event WHERE patient_id = ${patientId}::uuid`;
  await tx.user.deleteMany({ where: { patientId } });
  await tx.careTeamPatient.deleteMany({ where: { patientId } });
  // Their content (e.g. a proposed new address) is under the data key being replaced; rows older than
  // `npm run reseal:patient-text` are still under the system key, so the rows go too.
  await tx.dataRequest.deleteMany({ where: { patientId, id: { not: requestId } } });
  await clearResidue(ctx, patientId, requestId);
  await tx.$executeRaw`DELETE FROM record_access WHERE patient_id = ${patientId}::uuid`;
  // The period in force now (retention_policy, set by administrators) fixes this patient's date for good.
  const { days } = await tx.retentionPolicy.findUniqueOrThrow({ where: { category: "erased_clinical_records" } });
  const retainedUntil = new Date(Date.now() + days * 86_400_000);
  await tx.patientRestriction.upsert({
    where: { patientId },
    create: { patientId, reason: "retention", retainUntil: retainedUntil },
    update: { reason: "retention", retainUntil: retainedUntil },
  });
  const entry: LedgerEntry = {
    patientPseudonym: pseudonym(patientId),
    requestId,
    erased: ERASED,
    retained: records.length > 0 ? RETAINED : [],
    retainedUntil: retainedUntil.toISOString(),
    erasedAt: new Date().toISOString(),
  };
  await tx.erasureLedger.upsert({
    where: { patientPseudonym: entry.patientPseudonym },
    create: { patientPseudonym: entry.patientPseudonym, requestId, erased: entry.erased, retained: entry.retained, retainedUntil },
    update: {},
  });
  ctx.audit({
    action: "erasure.execute",
    resourceType: "data_request",
    resourceId: requestId,
    patientId,
    details: { retainedRecords: records.length - unreadable, ...(options.replay ? { replay: true, unreadableRecords: unreadable } : {}) },
  });
  ctx.onCommit(async () => {
    forgetDataKey(patientId);
    await syncLedgerFileAfterCommit();
  });
  return entry;
}

/**
 * Free text about the patient outside their identity: the erasure request's own reason (and the admin's
 * decision or extension reason), a clinician's break-glass reason, an auditor's review comment. The first three
 * are under the patient's data key (lib/services/patient-text.ts, decision 0013), so replacing the key already
 * makes them unreadable; they are cleared as well because the review comment is under the system key (only an
 * auditor may write it, and that context cannot read patient keys), rows older than `npm run reseal:patient-text`
 * are too, and a restore from backup brings them back only for the ledger replay to clear again. What accountability needs stays: ids, dates,
 * status, decision, clinician, reviewer, and the pseudonym. The request is detached from the patient row.
 */
async function clearResidue({ tx }: ActorContext, patientId: string, requestId: string): Promise<void> {
  await tx.dataRequest.updateMany({
    where: { id: requestId },
    data: { patientId: null, detailsEnc: null, decisionReasonEnc: null, extendedReasonEnc: null },
  });
  const grants = await tx.breakGlassGrant.findMany({ where: { patientId }, select: { id: true } });
  await tx.breakGlassReview.updateMany({ where: { grantId: { in: grants.map((g) => g.id) } }, data: { commentEnc: null } });
  await tx.breakGlassGrant.updateMany({ where: { patientId }, data: { reasonEnc: null } });
}

/** Runs every scheduled erasure whose grace period has ended (the scheduled job, and the admin's button); returns how many it executed. */
export async function processDueErasures(request: RequestMeta = noRequest, now = new Date()): Promise<number> {
  const due = await withSystem(request, ({ tx }) =>
    // Oldest first, one transaction each: a run killed half-way leaves the done ones done and the rest scheduled.
    tx.dataRequest.findMany({
      where: { kind: "erasure", status: "scheduled", executeAfter: { lte: now } },
      select: { id: true },
      orderBy: { executeAfter: "asc" },
    }),
  );
  let executed = 0;
  for (const { id } of due) {
    const done = await withSystem(request, async (ctx) => {
      // Re-checked under the request's lock, held until the erasure commits: a cancellation or another run's
      // erasure that got there first wins, and one that comes later waits and then finds the request completed.
      const current = await lockedRequest(ctx.tx, id);
      if (current?.status !== "scheduled" || !current.patientId) return false;
      await erasePatient(ctx, current.patientId, id);
      await ctx.tx.dataRequest.update({ where: { id }, data: { status: "completed" } });
      await ctx.tx.dataRequestEvent.create({ data: { requestId: id, status: "completed", note: "Erased", actorRole: "system" } });
      return true;
    });
    if (done) executed += 1;
  }
  return executed;
}

/**
 * After a restore from backup: erase again everyone either ledger copy (the restored database's, the file)
 * names, then bring the file up to date with the database. Returns how many it erased.
 */
export async function replayErasureLedger(request: RequestMeta = noRequest): Promise<number> {
  const wanted = await mergedLedger(request);
  const candidates = await withSystem(request, ({ tx }) => tx.patientIdentity.findMany({ select: { patientId: true } }));
  let replayed = 0;
  for (const { patientId } of candidates) {
    const entry = wanted.get(pseudonym(patientId));
    if (!entry) continue;
    await withSystem(request, async (ctx) => {
      await erasePatient(ctx, patientId, entry.requestId, { replay: true });
      await ctx.tx.dataRequest.updateMany({ where: { id: entry.requestId }, data: { status: "completed" } });
    });
    replayed += 1;
  }
  await syncLedgerFile(request);
  return replayed;
}

export interface PurgeOutcome {
  purged: number;
  /** Pseudonyms of the patients whose purge failed (each audited as an error); retried on the next run. */
  failed: string[];
}

/**
 * Purges retained records whose retention period has ended, destroying their last key. Each patient in a
 * transaction of its own: one that fails (a row still pointing at the patient) is rolled back alone, audited
 * as an error in a transaction of its own, and left for the next run, while the others are purged.
 */
export async function purgeExpiredRetention(request: RequestMeta = noRequest, now = new Date()): Promise<PurgeOutcome> {
  const expired = await withSystem(request, ({ tx }) =>
    tx.patientRestriction.findMany({ where: { reason: "retention", retainUntil: { lte: now } }, select: { patientId: true } }),
  );
  const outcome: PurgeOutcome = { purged: 0, failed: [] };
  for (const { patientId } of expired) {
    try {
      await withSystem(request, async ({ tx, audit }) => {
        // Gone already (another runner, or a run killed after its commit): nothing to do, nothing to log twice.
        const { count } = await tx.patient.deleteMany({ where: { id: patientId } });
        if (count === 1) audit({ action: "retention.purge", resourceType: "patient", patientId });
      });
      outcome.purged += 1;
    } catch (error) {
      log().error({ err: error, patient: pseudonym(patientId) }, "retention purge failed for one patient");
      outcome.failed.push(pseudonym(patientId));
      await withSystem(request, async ({ audit }) =>
        audit({ action: "retention.purge", outcome: "error", resourceType: "patient", patientId, details: { error: errorCode(error) } }),
      );
    }
  }
  return outcome;
}

/** What the audit log keeps of a failed purge: the database's error code or the error's name, never values. */
function errorCode(error: unknown): string {
  const code = (error as { code?: unknown; meta?: { code?: unknown } }).meta?.code ?? (error as { code?: unknown }).code;
  return typeof code === "string" ? code : error instanceof Error ? error.name : "unknown";
}
