import "server-only";
import { randomUUID } from "node:crypto";
import type { Tx } from "@/lib/db/transaction";
import type { ClinicalContent } from "@/lib/validation/patient";
import type { PatientCipher } from "./patient-keys";

/** Inserts one immutable version of a clinical entry, encrypted under the patient's key and bound to its row. */
export async function writeRecordVersion(
  tx: Tx,
  cipher: PatientCipher,
  v: { patientId: string; entryId?: string; version: number; content: ClinicalContent; authorId: string | null; amendReason?: string },
): Promise<string> {
  const id = randomUUID();
  const entryId = v.entryId ?? randomUUID();
  await tx.clinicalRecord.create({
    data: {
      id,
      entryId,
      version: v.version,
      patientId: v.patientId,
      kind: v.content.kind,
      contentEnc: cipher.sealJson("clinical_record", "content_enc", id, v.content),
      amendReasonEnc: v.amendReason === undefined ? null : cipher.seal("clinical_record", "amend_reason_enc", id, v.amendReason),
      authorId: v.authorId,
    },
  });
  return entryId;
}
