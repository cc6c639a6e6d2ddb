import "server-only";
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { noRequest, type RequestMeta } from "@/lib/access/actor";
import { config } from "@/lib/config";
import { createDataKey, forgetDataKey, unwrapDataKey } from "@/lib/crypto/envelope";
import { decryptField, encryptField } from "@/lib/crypto/field";
import { pseudonym } from "@/lib/crypto/pseudonym";
import { withSystem, type ActorContext } from "@/lib/db/transaction";
import { log } from "@/lib/ops/log";

export interface LedgerEntry {
  patientPseudonym: string;
  requestId: string;
  erased: string[];
  retained: string[];
  retainedUntil: string;
  erasedAt: string;
}

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

export function ledgerFile(): string {
  return config().erasureLedgerFile;
}

/**
 * GDPR Art. 17 erasure, in one transaction so a crash leaves the patient either untouched or fully erased:
 * records under a retention duty are re-encrypted under a fresh key, then the patient's data key is replaced
 * (crypto-shredding: old ciphertext in the live database is now unreadable; a backup still holds the old
 * wrapped key, so a restore must replay the ledger: docs/decisions/0006), identity and blind indexes are
 * deleted, what is kept is restricted, and a ledger entry (pseudonym only) is written in the database and,
 * after commit, to an append-only file outside it, for replay after a restore.
 */
export async function erasePatient(ctx: ActorContext, patientId: string, requestId: string): Promise<LedgerEntry> {
  const { tx } = ctx;
  const patient = await tx.patient.findUniqueOrThrow({ where: { id: patientId } });
  const oldKey = unwrapDataKey(patientId, patient.dekWrapped);
  const retention = createDataKey(patientId);
  const records = await tx.clinicalRecord.findMany({ where: { patientId }, select: { id: true, contentEnc: true, amendReasonEnc: true } });
  for (const r of records) {
    const at = { table: "clinical_record", column: "content_enc", rowId: r.id };
    const reencrypted = encryptField(retention.dek, "d", decryptField(oldKey, r.contentEnc, at), at);
    await tx.$executeRaw`UPDATE clinical_record SET content_enc = ${reencrypted} WHERE id = ${r.id}::uuid`;
    if (r.amendReasonEnc === null) continue;
    // An amendment's reason is part of the retained record: kept readable under the retention key too.
    const reasonAt = { table: "clinical_record", column: "amend_reason_enc", rowId: r.id };
    const reason = encryptField(retention.dek, "d", decryptField(oldKey, r.amendReasonEnc, reasonAt), reasonAt);
    await tx.$executeRaw`UPDATE clinical_record SET amend_reason_enc = ${reason} WHERE id = ${r.id}::uuid`;
  }
  await tx.patient.update({ where: { id: patientId }, data: { dekWrapped: retention.wrapped, kekVersion: retention.kekVersion } });
  await tx.patientIdentity.deleteMany({ where: { patientId } });
  await tx.$executeRaw`DELETE FROM consent_event WHERE patient_id = ${patientId}::uuid`;
  await tx.user.deleteMany({ where: { patientId } });
  await tx.careTeamPatient.deleteMany({ where: { patientId } });
  // Their content (e.g. a proposed new address) is under the system key, out of the data key's reach.
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
  ctx.audit({ action: "erasure.execute", resourceType: "data_request", resourceId: requestId, patientId, details: { retainedRecords: records.length } });
  ctx.onCommit(async () => {
    forgetDataKey(patientId);
    // A configured path outside the app bundle; turbopackIgnore keeps the build from tracing the whole project.
    mkdirSync(dirname(/*turbopackIgnore: true*/ ledgerFile()), { recursive: true });
    appendFileSync(/*turbopackIgnore: true*/ ledgerFile(), `${JSON.stringify(entry)}\n`, { mode: 0o600 });
  });
  return entry;
}

/**
 * Free text about the patient sealed with the system key survives crypto-shredding: the erasure request's own
 * reason (and the admin's decision or extension reason), a clinician's break-glass reason, an auditor's review
 * comment. Cleared here rather than sealed under the patient's data key because: auditors and admins read them
 * in contexts that may not unwrap patient keys; ciphertexts written before this rule are cleared the same way
 * (the migration did it for patients erased earlier); and a restore from backup brings them back only for the
 * ledger replay to clear again, exactly like the identity. What accountability needs stays: ids, dates,
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
      select: { id: true, patientId: true },
      orderBy: { executeAfter: "asc" },
    }),
  );
  let executed = 0;
  for (const { id, patientId } of due) {
    const done = await withSystem(request, async (ctx) => {
      // Re-checked inside the transaction: a cancellation (or another runner's erasure) that committed meanwhile wins.
      const current = await ctx.tx.dataRequest.findUnique({ where: { id } });
      if (current?.status !== "scheduled" || !patientId) return false;
      await erasePatient(ctx, patientId, id);
      await ctx.tx.dataRequest.update({ where: { id }, data: { status: "completed" } });
      await ctx.tx.dataRequestEvent.create({ data: { requestId: id, status: "completed", note: "Erased", actorRole: "system" } });
      return true;
    });
    if (done) executed += 1;
  }
  return executed;
}

/** After a restore from backup: erase again everyone the ledger file says was erased. Returns how many. */
export async function replayErasureLedger(request: RequestMeta = noRequest): Promise<number> {
  if (!existsSync(/*turbopackIgnore: true*/ ledgerFile())) return 0;
  const entries = readFileSync(/*turbopackIgnore: true*/ ledgerFile(), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as LedgerEntry);
  const wanted = new Map(entries.map((e) => [e.patientPseudonym, e]));
  const candidates = await withSystem(request, ({ tx }) => tx.patientIdentity.findMany({ select: { patientId: true } }));
  let replayed = 0;
  for (const { patientId } of candidates) {
    const entry = wanted.get(pseudonym(patientId));
    if (!entry) continue;
    await withSystem(request, async (ctx) => {
      await erasePatient(ctx, patientId, entry.requestId);
      await ctx.tx.dataRequest.updateMany({ where: { id: entry.requestId }, data: { status: "completed" } });
    });
    replayed += 1;
  }
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
