import { open, seal } from "./aead";
import { DecryptError } from "./errors";

/**
 * Field ciphertext: `v1.<keyRef>.<iv>.<ciphertext||tag>` (base64url). keyRef names the key family
 * ("d" a patient data key, "s" the system key). The AAD binds version, keyRef, table, column and row id,
 * so a ciphertext copied to another row, column or table, or with an edited header, fails to decrypt.
 */
export interface FieldLocation {
  table: string;
  column: string;
  rowId: string;
}

const VERSION = "v1";

function aad(keyRef: string, at: FieldLocation): Buffer {
  return Buffer.from(`${VERSION}|${keyRef}|${at.table}|${at.column}|${at.rowId}`, "utf8");
}

export function encryptField(key: Buffer, keyRef: string, plaintext: string, at: FieldLocation): string {
  if (!/^[a-z0-9]+$/.test(keyRef)) throw new Error("keyRef must be lowercase alphanumeric");
  const { iv, sealed } = seal(key, Buffer.from(plaintext, "utf8"), aad(keyRef, at));
  return `${VERSION}.${keyRef}.${iv.toString("base64url")}.${sealed.toString("base64url")}`;
}

export function decryptField(key: Buffer, ciphertext: string, at: FieldLocation): string {
  const parts = ciphertext.split(".");
  if (parts.length !== 4 || parts[0] !== VERSION) throw new DecryptError("unknown ciphertext format");
  const [, keyRef, iv, sealed] = parts as [string, string, string, string];
  return open(key, Buffer.from(iv, "base64url"), Buffer.from(sealed, "base64url"), aad(keyRef, at)).toString("utf8");
}

export function encryptJson(key: Buffer, keyRef: string, value: unknown, at: FieldLocation): string {
  return encryptField(key, keyRef, JSON.stringify(value), at);
}

export function decryptJson(key: Buffer, ciphertext: string, at: FieldLocation): unknown {
  return JSON.parse(decryptField(key, ciphertext, at));
}
