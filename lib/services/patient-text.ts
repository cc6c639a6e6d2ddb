import "server-only";
import type { RequestMeta } from "@/lib/access/actor";
import { openSystem, sealSystem } from "@/lib/crypto/secret";
import { withSystem, type Tx } from "@/lib/db/transaction";
import { patientCipher, patientCiphers, type PatientCipher } from "./patient-keys";

/**
 * Text about a patient that lives outside their identity and records: their account's e-mail and display name,
 * what they (or an administrator about them) wrote in a data request, a clinician's break-glass reason. Sealed
 * under the patient's own data key, so erasure's crypto-shredding reaches every copy of it, the database dumps
 * taken before the erasure included, once the key backups' window has passed (docs/decisions/0013).
 *
 * Rows sealed before this rule carry the system key ("s"): they still open here, and `npm run reseal:patient-text`
 * moves them under the patient key (README: "Erasure and old backups").
 */
const SYSTEM_SEALED = "v1.s.";

export const isSystemSealed = (ciphertext: string): boolean => ciphertext.startsWith(SYSTEM_SEALED);

/** The patient's cipher when there is a patient (an account with no patient, a staff member, keeps the system key). */
export function sealAbout(cipher: PatientCipher | null, table: string, column: string, rowId: string, value: string): string {
  return cipher ? cipher.seal(table, column, rowId, value) : sealSystem(value, { table, column, rowId });
}

/** Opens either form; a patient-sealed value with no cipher at hand is a programming error, not a user's. */
export function openAbout(cipher: PatientCipher | null | undefined, table: string, column: string, rowId: string, ciphertext: string): string {
  if (isSystemSealed(ciphertext)) return openSystem(ciphertext, { table, column, rowId });
  if (!cipher) throw new Error(`no data key at hand for ${table}.${column}`);
  return cipher.open(table, column, rowId, ciphertext);
}

/** An account's sealed e-mail or display name, in the transaction that read the row (its RLS decides the key). */
export async function openAccountText(
  tx: Tx,
  user: { id: string; patientId: string | null },
  column: "email_enc" | "display_name_enc",
  ciphertext: string,
): Promise<string> {
  const cipher = user.patientId && !isSystemSealed(ciphertext) ? await patientCipher(tx, user.patientId) : null;
  return openAbout(cipher, "app_user", column, user.id, ciphertext);
}

/**
 * Data keys looked up in a system read of `patient_key` alone, for staff whose own context may not read the keys
 * (auditors reviewing break-glass uses). The caller has already read, under its own row-level security, the rows
 * these keys open; nothing else is read here. Same shape as the staff-name lookup (lib/services/staff-names.ts).
 */
export function ciphersForStaff(request: RequestMeta, patientIds: string[]): Promise<Map<string, PatientCipher>> {
  if (patientIds.length === 0) return Promise.resolve(new Map());
  return withSystem(request, ({ tx }) => patientCiphers(tx, [...new Set(patientIds)]));
}
