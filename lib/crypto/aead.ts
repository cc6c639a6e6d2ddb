import "server-only";
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from "node:crypto";
import { DecryptError } from "./errors";

const KEY_BYTES = 32;
export const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * node:crypto imports a Buffer key into a fresh KeyObject on every createCipheriv/createDecipheriv; a chart
 * read decrypts dozens of fields under one data key (issue 9: decrypt cost 1.5-1.8x raw GCM). Imported once
 * per key Buffer, held weakly so a key dropped from the data-key cache is not kept alive here. Key Buffers
 * are never mutated in place (nothing in lib/ overwrites key bytes), which is what keying by identity needs.
 */
const imported = new WeakMap<Buffer, KeyObject>();

function keyObject(key: Buffer): KeyObject {
  let object = imported.get(key);
  if (!object) {
    if (key.length !== KEY_BYTES) throw new Error("AES-256-GCM needs a 32-byte key");
    object = createSecretKey(key);
    imported.set(key, object);
  }
  return object;
}

export interface Sealed {
  iv: Buffer;
  sealed: Buffer;
}

/** AES-256-GCM under a fresh random 96-bit IV; `sealed` is ciphertext || tag. */
export function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Sealed {
  return gcmSeal(key, randomBytes(IV_BYTES), plaintext, aad);
}

/**
 * Only for known-answer tests against published vectors. GCM loses both confidentiality and integrity
 * when an IV repeats under one key, so application code must never choose the IV.
 */
export function sealWithFixedIvForKnownAnswerTests(key: Buffer, iv: Buffer, plaintext: Buffer, aad: Buffer): Sealed {
  return gcmSeal(key, iv, plaintext, aad);
}

function gcmSeal(key: Buffer, iv: Buffer, plaintext: Buffer, aad: Buffer): Sealed {
  if (iv.length !== IV_BYTES) throw new Error("AES-256-GCM here uses a 96-bit IV");
  const cipher = createCipheriv("aes-256-gcm", keyObject(key), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, sealed: Buffer.concat([body, cipher.getAuthTag()]) };
}

/** Every failure (wrong key, AAD, IV, tag, truncation) is the same DecryptError: no oracle on which part failed. */
export function open(key: Buffer, iv: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (iv.length !== IV_BYTES || sealed.length < TAG_BYTES) throw new DecryptError("malformed ciphertext");
  const object = keyObject(key);
  try {
    const decipher = createDecipheriv("aes-256-gcm", object, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const body = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
    // GCM's final() only checks the tag and yields no bytes: no copy into a new buffer for nothing.
    const rest = decipher.final();
    return rest.length === 0 ? body : Buffer.concat([body, rest]);
  } catch {
    throw new DecryptError("authentication failed");
  }
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * Node's base64url decoder skips characters it does not know, so one ciphertext would have many spellings.
 * Accepting only the canonical one keeps stored strings comparable and rejects junk early. Checked after
 * one decode, without a pattern scan or re-encoding (this runs on every field read): Node skips unknown
 * characters and stops at "=", so junk shows as fewer bytes than the length promises; it also takes "+" and
 * "/" from the other alphabet, refused by name, and reads a character beyond ASCII by its low byte ("ť" as
 * "e"), refused by its UTF-8 length; and the unused low bits of the last character must be zero.
 */
export function fromBase64url(text: string): Buffer {
  const tail = text.length % 4;
  if (tail === 1) throw new DecryptError("malformed encoding");
  const bytes = Buffer.from(text, "base64url");
  if (bytes.length !== (text.length * 3) >> 2 || text.includes("+") || text.includes("/") || Buffer.byteLength(text, "utf8") !== text.length) {
    throw new DecryptError("malformed encoding");
  }
  if (tail !== 0 && (ALPHABET.indexOf(text.charAt(text.length - 1)) & (tail === 2 ? 0x0f : 0x03)) !== 0) {
    throw new DecryptError("malformed encoding");
  }
  return bytes;
}
