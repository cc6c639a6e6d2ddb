import "server-only";
import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { NotFound } from "@/lib/access/errors";
import { withActor } from "@/lib/db/transaction";
import { patientCipher } from "./patient-keys";
import { entriesOf, identityOf, type ClinicalEntry, type PatientIdentity } from "./patient-view";

export interface MyRecord {
  identity: PatientIdentity & { ssnLast4: string | null };
  entries: ClinicalEntry[];
}

/** The patient's own record, decrypted, read-only (GDPR Art. 15, HIPAA 164.524). */
export async function myRecord(actor: Actor): Promise<MyRecord> {
  await authorize(actor, "self.record.read");
  const patientId = actor.patientId;
  if (!patientId) throw new NotFound("patient record");
  return withActor(actor, async ({ tx, audit }) => {
    const cipher = await patientCipher(tx, patientId);
    const identity = await tx.patientIdentity.findUnique({ where: { patientId } });
    if (!cipher || !identity) throw new NotFound("patient record");
    const records = await tx.clinicalRecord.findMany({ where: { patientId } });
    audit({ action: "self.record.read", resourceType: "patient", patientId });
    const ssn = identity.ssnEnc ? cipher.open("patient_identity", "ssn_enc", patientId, identity.ssnEnc) : null;
    return {
      identity: { ...identityOf(cipher, identity), ssnLast4: ssn ? ssn.replace(/\D/g, "").slice(-4) : null },
      entries: entriesOf(cipher, records),
    };
  });
}
