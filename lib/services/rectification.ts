import "server-only";
import { NotFound } from "@/lib/access/errors";
import { blindIndex } from "@/lib/crypto/blind-index";
import type { Tx } from "@/lib/db/transaction";
import type { RectifiableField } from "@/lib/validation/rectification";
import { patientCipher } from "./patient-keys";
import { identityOf } from "./patient-view";
import { nameDobIndex } from "./patients";

const fieldColumn = {
  givenName: "given_name_enc",
  familyName: "family_name_enc",
  address: "address_enc",
  phone: "phone_enc",
  email: "email_enc",
} as const;
const fieldProperty = { givenName: "givenNameEnc", familyName: "familyNameEnc", address: "addressEnc", phone: "phoneEnc", email: "emailEnc" } as const;

/**
 * Writes a corrected identity field, encrypted under the patient's key. The value must already have passed
 * its field's check (lib/validation/rectification.ts); the caller runs in the system context.
 */
export async function applyRectification(tx: Tx, patientId: string, field: RectifiableField, value: string): Promise<void> {
  const cipher = await patientCipher(tx, patientId);
  const row = await tx.patientIdentity.findUnique({ where: { patientId } });
  if (!cipher || !row) throw new NotFound("patient");
  const corrected = { ...identityOf(cipher, row), [field]: value };
  await tx.patientIdentity.update({
    where: { patientId },
    data: {
      [fieldProperty[field]]: cipher.seal("patient_identity", fieldColumn[field], patientId, value),
      // Every search key is recomputed from the corrected identity: a stale one would find the patient under
      // the name they asked to have corrected, and miss them under the right one.
      nameDobBidx: nameDobIndex(corrected),
      emailBidx: corrected.email === null ? null : blindIndex("email", corrected.email),
    },
  });
}
