import "server-only";
import { fromBase64url, IV_BYTES, open, seal } from "./aead";
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
  // "|" would let two different locations produce the same AAD; empty would leave the ciphertext unbound.
  if (!locationPart(at.table) || !locationPart(at.column) || !locationPart(at.rowId)) {
    throw new TypeError("field location parts must be non-empty and contain no '|'");
  }
  return Buffer.from(`${VERSION}|${keyRef}|${at.table}|${at.column}|${at.rowId}`, "utf8");
}

function locationPart(part: string): boolean {
  return part !== "" && !part.includes("|");
}

// A 12-byte IV is exactly 16 base64url characters, with no partial group: see decryptField.
const IV_CHARS = (IV_BYTES / 3) * 4;

export function encryptField(key: Buffer, keyRef: string, plaintext: string, at: FieldLocation): string {
  if (!KEY_REF.test(keyRef)) throw new TypeError("keyRef must be lowercase alphanumeric");
  // A lone UTF-16 surrogate would be stored as U+FFFD: refuse rather than silently alter a record.
  if (!plaintext.isWellFormed()) throw new TypeError("plaintext is not well-formed Unicode");
  const { iv, sealed } = seal(key, Buffer.from(plaintext, "utf8"), aad(keyRef, at));
  return `${VERSION}.${keyRef}.${iv.toString("base64url")}.${sealed.toString("base64url")}`;
}

/**
 * Parsed by position rather than split, and IV and body decoded in one pass: the IV's 16 characters are a
 * whole number of base64 groups, so `<iv><body>` decodes to iv || body and the canonical-form check on the
 * joined text is exactly the check on each part (issue 9: decode once, no intermediate arrays).
 */
export function decryptField(key: Buffer, ciphertext: string, at: FieldLocation): string {
  const refEnd = ciphertext.indexOf(".", VERSION.length + 1);
  const ivEnd = refEnd + 1 + IV_CHARS;
  if (!ciphertext.startsWith(PREFIX) || refEnd < 0 || ciphertext.charCodeAt(ivEnd) !== DOT) {
    throw new DecryptError("unknown ciphertext format");
  }
  const keyRef = ciphertext.slice(VERSION.length + 1, refEnd);
  if (!KEY_REF.test(keyRef)) throw new DecryptError("unknown ciphertext format");
  const bytes = fromBase64url(ciphertext.slice(refEnd + 1, ivEnd) + ciphertext.slice(ivEnd + 1));
  return open(key, bytes.subarray(0, IV_BYTES), bytes.subarray(IV_BYTES), aad(keyRef, at)).toString("utf8");
}

const DOT = ".".charCodeAt(0);
const PREFIX = `${VERSION}.`;

/** Structured clinical content; values JSON cannot represent (undefined, functions) are refused. */
export function encryptJson(key: Buffer, keyRef: string, value: unknown, at: FieldLocation): string {
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) throw new TypeError("value has no JSON representation");
  return encryptField(key, keyRef, text, at);
}

export function decryptJson(key: Buffer, ciphertext: string, at: FieldLocation): unknown {
  return JSON.parse(decryptField(key, ciphertext, at));
}
