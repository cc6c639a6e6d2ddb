import "server-only";
import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { NotFound, TooManyRequests } from "@/lib/access/errors";
import { config } from "@/lib/config";
import type { ExportIdentity } from "@/lib/fhir/resources";
import { lockSubject } from "@/lib/db/locks";
import { withActor } from "@/lib/db/transaction";
import type { ClinicalContent } from "@/lib/validation/patient";
import { myAccessLog, type AccessEntry } from "./access-log";
import { consentHistory, type ConsentHistoryEntry } from "./consent";
import { myRequests, type RequestView } from "./data-requests";
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

/** Everything the export holds except the records, which are streamed page by page. */
export interface ExportSource {
  identity: ExportIdentity;
  consent: ConsentHistoryEntry[];
  requests: RequestView[];
  accessLog: AccessEntry[];
  records(kind?: ClinicalContent["kind"]): AsyncGenerator<ExportRecord>;
}

const PAGE = 500;

/**
 * GDPR Art. 15/20 and HIPAA 164.524: all of the patient's data. Authorized, rate limited per hour (an export
 * is the most valuable thing a stolen session could take), and audited before the first byte leaves.
 */
export async function openExport(actor: Actor, format: ExportFormat): Promise<ExportSource> {
  await authorize(actor, "self.export");
  const patientId = actor.patientId;
  if (!patientId) throw new NotFound("patient record");
  const identity = await withActor(actor, async ({ tx, audit, onRollback }) => {
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
    const cipher = await patientCipher(tx, patientId);
    const row = await tx.patientIdentity.findUnique({ where: { patientId } });
    if (!cipher || !row) throw new NotFound("patient record");
    // No resourceId: the patient is named by the event's pseudonym only, never by the raw id.
    audit({ action: "self.export", resourceType: "patient", patientId, details: { format } });
    return identityOf(cipher, row);
  });
  const [consent, requests, accessLog] = [await consentHistory(actor), await myRequests(actor), await myAccessLog(actor)];
  return {
    identity: {
      patientId,
      givenName: identity.givenName,
      familyName: identity.familyName,
      birthDate: identity.birthDate,
      sex: identity.sex,
      mrn: identity.mrn,
      address: identity.address,
      phone: identity.phone,
      email: identity.email,
    },
    consent,
    requests,
    accessLog,
    records: (kind) => pagedRecords(actor, patientId, kind),
  };
}

async function recordRefusedExport(actor: Actor, patientId: string, format: ExportFormat): Promise<void> {
  // Its own transaction: the refused one rolled back, the record of the attempt must stay.
  await withActor(actor, async ({ audit }) =>
    audit({ action: "self.export", outcome: "denied", resourceType: "patient", patientId, details: { format, reason: "rate-limit" } }),
  );
}

async function* pagedRecords(actor: Actor, patientId: string, kind?: ClinicalContent["kind"]): AsyncGenerator<ExportRecord> {
  let after = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    // One short transaction per page: memory stays flat however many records a patient has.
    const page = await withActor(actor, async ({ tx }) => {
      const cipher = await patientCipher(tx, patientId);
      if (!cipher) throw new NotFound("patient record");
      const rows = await tx.clinicalRecord.findMany({
        where: { patientId, id: { gt: after }, ...(kind ? { kind } : {}) },
        orderBy: { id: "asc" },
        take: PAGE,
      });
      return rows.map((r) => ({
        recordId: r.id,
        entryId: r.entryId,
        version: r.version,
        kind: r.kind as ClinicalContent["kind"],
        recordedAt: r.createdAt.toISOString(),
        content: cipher.openJson<ClinicalContent>("clinical_record", "content_enc", r.id, r.contentEnc),
      }));
    });
    yield* page;
    if (page.length < PAGE) return;
    after = page.at(-1)!.recordId;
  }
}
