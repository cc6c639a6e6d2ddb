import "server-only";
import type { ClinicalContent } from "@/lib/validation/patient";
import type { PatientCipher } from "./patient-keys";

/** What a clinician sees of a patient's identity. The SSN is never decrypted for display. */
export interface PatientSummary {
  patientId: string;
  name: string;
  birthDate: string;
  mrn: string;
}

export interface PatientIdentity extends PatientSummary {
  givenName: string;
  familyName: string;
  sex: string;
  ssnOnFile: boolean;
  address: string | null;
  phone: string | null;
  email: string | null;
}

export interface ClinicalEntry {
  entryId: string;
  version: number;
  kind: ClinicalContent["kind"];
  content: ClinicalContent;
  recordedAt: string;
  authorId: string | null;
  /** Why this version replaced the one before; null for a first version. */
  amendReason: string | null;
  priorVersions: { version: number; content: ClinicalContent; recordedAt: string; authorId: string | null; amendReason: string | null }[];
}

interface IdentityRow {
  patientId: string;
  givenNameEnc: string;
  familyNameEnc: string;
  birthDateEnc: string;
  sexEnc: string;
  mrnEnc: string;
  ssnEnc: string | null;
  addressEnc: string | null;
  phoneEnc: string | null;
  emailEnc: string | null;
}

const T = "patient_identity";

export function summaryOf(c: PatientCipher, row: IdentityRow): PatientSummary {
  const id = row.patientId;
  return {
    patientId: id,
    name: `${c.open(T, "given_name_enc", id, row.givenNameEnc)} ${c.open(T, "family_name_enc", id, row.familyNameEnc)}`,
    birthDate: c.open(T, "birth_date_enc", id, row.birthDateEnc),
    mrn: c.open(T, "mrn_enc", id, row.mrnEnc),
  };
}

export function identityOf(c: PatientCipher, row: IdentityRow): PatientIdentity {
  const id = row.patientId;
  const opt = (column: string, value: string | null) => (value === null ? null : c.open(T, column, id, value));
  return {
    ...summaryOf(c, row),
    givenName: c.open(T, "given_name_enc", id, row.givenNameEnc),
    familyName: c.open(T, "family_name_enc", id, row.familyNameEnc),
    sex: c.open(T, "sex_enc", id, row.sexEnc),
    ssnOnFile: row.ssnEnc !== null,
    address: opt("address_enc", row.addressEnc),
    phone: opt("phone_enc", row.phoneEnc),
    email: opt("email_enc", row.emailEnc),
  };
}

interface RecordRow {
  id: string;
  entryId: string;
  version: number;
  kind: string;
  contentEnc: string;
  amendReasonEnc: string | null;
  authorId: string | null;
  createdAt: Date;
}

/** Groups versions by entry: the newest is the entry, older ones are kept as its history. */
export function entriesOf(c: PatientCipher, rows: RecordRow[]): ClinicalEntry[] {
  const byEntry = new Map<string, RecordRow[]>();
  for (const row of rows) byEntry.set(row.entryId, [...(byEntry.get(row.entryId) ?? []), row]);
  const open = (row: RecordRow) => c.openJson<ClinicalContent>("clinical_record", "content_enc", row.id, row.contentEnc);
  const reason = (row: RecordRow) => (row.amendReasonEnc === null ? null : c.open("clinical_record", "amend_reason_enc", row.id, row.amendReasonEnc));
  return [...byEntry.values()]
    .map((versions) => {
      const sorted = [...versions].sort((a, b) => b.version - a.version);
      const [latest, ...older] = sorted as [RecordRow, ...RecordRow[]];
      const content = open(latest);
      return {
        entryId: latest.entryId,
        version: latest.version,
        kind: content.kind,
        content,
        recordedAt: latest.createdAt.toISOString(),
        authorId: latest.authorId,
        amendReason: reason(latest),
        priorVersions: older.map((r) => ({
          version: r.version,
          content: open(r),
          recordedAt: r.createdAt.toISOString(),
          authorId: r.authorId,
          amendReason: reason(r),
        })),
      };
    })
    .sort((a, b) => b.content.date.localeCompare(a.content.date));
}
