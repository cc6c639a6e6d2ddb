import "server-only";
import { createDataKey, unwrapDataKey } from "@/lib/crypto/envelope";
import { decryptField, decryptJson, encryptField, encryptJson } from "@/lib/crypto/field";
import type { Tx } from "@/lib/db/transaction";

/** Field-level access to one patient's data under that patient's own data key (crypto-shredding unit). */
export interface PatientCipher {
  seal(table: string, column: string, rowId: string, value: string): string;
  open(table: string, column: string, rowId: string, ciphertext: string): string;
  sealJson(table: string, column: string, rowId: string, value: unknown): string;
  openJson<T>(table: string, column: string, rowId: string, ciphertext: string): T;
}

const KEY_REF = "d";

function cipherFor(dek: Buffer): PatientCipher {
  return {
    seal: (table, column, rowId, value) => encryptField(dek, KEY_REF, value, { table, column, rowId }),
    open: (table, column, rowId, ct) => decryptField(dek, ct, { table, column, rowId }),
    sealJson: (table, column, rowId, value) => encryptJson(dek, KEY_REF, value, { table, column, rowId }),
    openJson: <T,>(table: string, column: string, rowId: string, ct: string) =>
      decryptJson(dek, ct, { table, column, rowId }) as T,
  };
}

export async function newPatientKey(tx: Tx, patientId: string): Promise<PatientCipher> {
  const { dek, wrapped, kekVersion } = createDataKey(patientId);
  await tx.patient.create({ data: { id: patientId } });
  await tx.patientKey.create({ data: { patientId, dekWrapped: wrapped, kekVersion } });
  return cipherFor(dek);
}

/** Returns null when RLS hides the patient, so callers answer "not found" without an existence oracle. */
export async function patientCipher(tx: Tx, patientId: string): Promise<PatientCipher | null> {
  const key = await tx.patientKey.findUnique({ where: { patientId } });
  return key ? cipherOf(patientId, key.dekWrapped) : null;
}

/** The cipher for a wrapped key the caller already read (under RLS) in a statement of its own. */
export function cipherOf(patientId: string, dekWrapped: string): PatientCipher {
  return cipherFor(unwrapDataKey(patientId, dekWrapped));
}

/** Many patients' keys in one read (lists, search results); a patient RLS hides is simply absent. */
export async function patientCiphers(tx: Tx, patientIds: string[]): Promise<Map<string, PatientCipher>> {
  const keys = await tx.patientKey.findMany({ where: { patientId: { in: patientIds } }, select: { patientId: true, dekWrapped: true } });
  return new Map(keys.map((k) => [k.patientId, cipherFor(unwrapDataKey(k.patientId, k.dekWrapped))]));
}
