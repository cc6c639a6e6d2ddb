import "server-only";
import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { NotFound, TooManyRequests } from "@/lib/access/errors";
import { config } from "@/lib/config";
import { pseudonym } from "@/lib/crypto/pseudonym";
import { lockSubject } from "@/lib/db/locks";
import { snapshotStream } from "@/lib/db/snapshot-stream";
import { withActor, type Tx } from "@/lib/db/transaction";
import type { ExportIdentity } from "@/lib/fhir/resources";
import type { ClinicalContent } from "@/lib/validation/patient";
import { inWords, staffEventsPage, staffNamesFor, type AccessEntry } from "./access-log";
import { consentEntries, type ConsentHistoryEntry } from "./consent";
import { requestViews, type RequestView } from "./data-requests";
import { patientCipher } from "./patient-keys";
import { identityOf } from "./patient-view";

export type ExportFormat = "json" | "csv" | "fhir";

export interface ExportRecord {
  recordId: string;
  entryId: string;
  version: number;
  kind: ClinicalContent["kind"];
  recordedAt: string;
  content: ClinicalContent;
}

/**
 * The export, in this order: identity, consent, requests, every record version (by kind, alphabetically, then
 * id), then the whole access log in pages, newest first.
 */
export type ExportPart =
  | { part: "identity"; identity: ExportIdentity }
  | { part: "consent"; entries: ConsentHistoryEntry[] }
  | { part: "requests"; entries: RequestView[] }
  | { part: "record"; record: ExportRecord }
  | { part: "access"; entries: AccessEntry[] };

export interface ExportSource {
  /** Read on first pull, from one read-only snapshot; stopping early ends the snapshot. */
  parts(): AsyncGenerator<ExportPart>;
}

const PAGE = 1000;

interface RecordRow {
  id: string;
  entry_id: string;
  version: number;
  kind: ClinicalContent["kind"];
  created_at: Date;
  content_enc: string;
}
// Long enough for a large record over a slow link; the snapshot is read-only and ends with the download.
const SNAPSHOT_MAX_MS = 15 * 60_000;

/**
 * GDPR Art. 15/20 and HIPAA 164.524: all of the patient's data. Authorized, rate limited per hour (an export
 * is the most valuable thing a stolen session could take), and audited in its own committed transaction
 * before anything is read; the data itself then comes from one consistent snapshot, streamed.
 */
export async function openExport(actor: Actor, format: ExportFormat): Promise<ExportSource> {
  await authorize(actor, "self.export");
  const patientId = actor.patientId;
  if (!patientId) throw new NotFound("patient record");
  await withActor(actor, async ({ tx, audit, onRollback }) => {
    // The limit is counted from this actor's own audit rows; the lock makes count-then-audit one step, so
    // parallel requests (a script with a stolen session) queue here instead of all seeing the same count.
    await lockSubject(tx, "self.export", actor.userId);
    const recent = await tx.auditEvent.count({
      where: { actorId: actor.userId, action: "self.export", outcome: "allowed", occurredAt: { gt: new Date(Date.now() - 3_600_000) } },
    });
    if (recent >= config().exportsPerHour) {
      onRollback(() => recordRefusedExport(actor, patientId, format));
      throw new TooManyRequests("export-limit");
    }
    if (!(await tx.patient.findUnique({ where: { id: patientId }, select: { id: true } }))) throw new NotFound("patient record");
    // No resourceId: the patient is named by the event's pseudonym only, never by the raw id.
    audit({ action: "self.export", resourceType: "patient", patientId, details: { format } });
  });
  return {
    parts: async function* () {
      const names = await staffNamesFor(actor.request, pseudonym(patientId));
      yield* snapshotStream<ExportPart>(actor, (tx, emit) => readExport(actor, tx, patientId, names, emit), SNAPSHOT_MAX_MS);
    },
  };
}

async function recordRefusedExport(actor: Actor, patientId: string, format: ExportFormat): Promise<void> {
  // Its own transaction: the refused one rolled back, the record of the attempt must stay.
  await withActor(actor, async ({ audit }) =>
    audit({ action: "self.export", outcome: "denied", resourceType: "patient", patientId, details: { format, reason: "rate-limit" } }),
  );
}

async function readExport(
  actor: Actor,
  tx: Tx,
  patientId: string,
  staffNames: Map<string, string>,
  emit: (part: ExportPart) => Promise<void>,
): Promise<void> {
  const cipher = await patientCipher(tx, patientId);
  const row = await tx.patientIdentity.findUnique({ where: { patientId } });
  if (!cipher || !row) throw new NotFound("patient record");
  const identity = identityOf(cipher, row);
  await emit({
    part: "identity",
    identity: {
      patientId, givenName: identity.givenName, familyName: identity.familyName, birthDate: identity.birthDate, sex: identity.sex,
      mrn: identity.mrn, address: identity.address, phone: identity.phone, email: identity.email,
    },
  });
  await emit({ part: "consent", entries: await consentEntries(tx, patientId, actor.userId) });
  await emit({ part: "requests", entries: await requestViews(tx, patientId) });
  // A cursor, not keyset pages: one plan, read once in index order. With row-level security the planner
  // misjudged each page's LIMIT and re-sorted everything after the cursor key, quadratic in the records.
  await tx.$executeRaw`DECLARE export_records NO SCROLL CURSOR FOR
    SELECT id, entry_id, version, kind, created_at, content_enc FROM clinical_record
    WHERE patient_id = ${patientId}::uuid ORDER BY kind, id`;
  for (;;) {
    const rows = await tx.$queryRawUnsafe<RecordRow[]>(`FETCH ${PAGE} FROM export_records`);
    for (const r of rows) {
      await emit({
        part: "record",
        record: {
          recordId: r.id, entryId: r.entry_id, version: r.version, kind: r.kind, recordedAt: r.created_at.toISOString(),
          content: cipher.openJson<ClinicalContent>("clinical_record", "content_enc", r.id, r.content_enc),
        },
      });
    }
    if (rows.length < PAGE) break;
  }
  // All of it: an accounting of disclosures cut short is no accounting (HIPAA 164.528, GDPR Art. 15(1)(c)).
  const psn = pseudonym(patientId);
  for (let before: bigint | null = null; ; ) {
    const events = await staffEventsPage(tx, psn, before, PAGE);
    if (events.length > 0) await emit({ part: "access", entries: inWords(staffNames, events) });
    if (events.length < PAGE) return;
    before = events.at(-1)!.seq;
  }
}
