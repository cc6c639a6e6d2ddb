import "server-only";
import { fromBase64url, open, seal } from "./aead";
import { DecryptError } from "./errors";

/**
 * Field ciphertext: `v1.<keyRef>.<iv>.<ciphertext||tag>`, iv and body base64url (canonical, unpadded).
 * keyRef names the key family so a reader knows which key to fetch: "d" = the owning patient's data key
 * (lib/services/patient-keys), "s" = the system key (lib/crypto/secret). The AAD
 * `v1|<keyRef>|<table>|<column>|<rowId>` binds the header and the location, so ciphertext copied to
 * another row, column or table, or with an edited version or keyRef, fails to decrypt.
 */
export interface FieldLocation {
  table: string;
  column: string;
  rowId: string;
}

const VERSION = "v1";
const KEY_REF = /^[a-z0-9]+$/;

function aad(keyRef: string, at: FieldLocation): Buffer {
  for (const part of [at.table, at.column, at.rowId]) {
    // "|" would let two different locations produce the same AAD; empty would leave the ciphertext unbound.
    if (part === "" || part.includes("|")) throw new TypeError("field location parts must be non-empty and contain no '|'");
  }
  return Buffer.from(`${VERSION}|${keyRef}|${at.table}|${at.column}|${at.rowId}`, "utf8");
}

export function encryptField(key: Buffer, keyRef: string, plaintext: string, at: FieldLocation): string {
  if (!KEY_REF.test(keyRef)) throw new TypeError("keyRef must be lowercase alphanumeric");
  // A lone UTF-16 surrogate would be stored as U+FFFD: refuse rather than silently alter a record.
  if (!plaintext.isWellFormed()) throw new TypeError("plaintext is not well-formed Unicode");
  const { iv, sealed } = seal(key, Buffer.from(plaintext, "utf8"), aad(keyRef, at));
  return `${VERSION}.${keyRef}.${iv.toString("base64url")}.${sealed.toString("base64url")}`;
}

export function decryptField(key: Buffer, ciphertext: string, at: FieldLocation): string {
  const parts = ciphertext.split(".");
  if (parts.length !== 4) throw new DecryptError("unknown ciphertext format");
  const [version, keyRef, iv, sealed] = parts as [string, string, string, string];
  if (version !== VERSION || !KEY_REF.test(keyRef)) throw new DecryptError("unknown ciphertext format");
  return open(key, fromBase64url(iv), fromBase64url(sealed), aad(keyRef, at)).toString("utf8");
}

/** Structured clinical content; values JSON cannot represent (undefined, functions) are refused. */
export function encryptJson(key: Buffer, keyRef: string, value: unknown, at: FieldLocation): string {
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) throw new TypeError("value has no JSON representation");
  return encryptField(key, keyRef, text, at);
}

export function decryptJson(key: Buffer, ciphertext: string, at: FieldLocation): unknown {
  return JSON.parse(decryptField(key, ciphertext, at));
}
