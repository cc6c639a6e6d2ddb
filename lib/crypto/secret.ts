import { decryptField, encryptField, type FieldLocation } from "./field";
import { keyProvider } from "./keys";

/** Fields that belong to no patient (staff names, emails, TOTP secrets) are sealed with the system key. */
export function sealSystem(plaintext: string, at: FieldLocation): string {
  return encryptField(keyProvider().secret("system"), "s", plaintext, at);
}

export function openSystem(ciphertext: string, at: FieldLocation): string {
  return decryptField(keyProvider().secret("system"), ciphertext, at);
}
