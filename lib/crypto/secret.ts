import "server-only";
import { decryptField, encryptField, type FieldLocation } from "./field";
import { keyProvider, type KeyProvider } from "./keys";

/**
 * Fields that belong to no patient (staff names and emails, TOTP secrets, incident texts) are sealed with
 * the system key under keyRef "s". They survive a patient's crypto-shredding, old dumps included, so text about
 * a patient belongs under the patient's data key instead (lib/services/patient-text.ts).
 */
const SYSTEM_KEY_REF = "s";

export function sealSystem(plaintext: string, at: FieldLocation, provider: KeyProvider = keyProvider()): string {
  return encryptField(provider.secret("system"), SYSTEM_KEY_REF, plaintext, at);
}

export function openSystem(ciphertext: string, at: FieldLocation, provider: KeyProvider = keyProvider()): string {
  return decryptField(provider.secret("system"), ciphertext, at);
}
