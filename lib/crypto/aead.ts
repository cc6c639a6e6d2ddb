import "server-only";
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { DecryptError } from "./errors";

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

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
  if (key.length !== KEY_BYTES) throw new Error("AES-256-GCM needs a 32-byte key");
  if (iv.length !== IV_BYTES) throw new Error("AES-256-GCM here uses a 96-bit IV");
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, sealed: Buffer.concat([body, cipher.getAuthTag()]) };
}

/** Every failure (wrong key, AAD, IV, tag, truncation) is the same DecryptError: no oracle on which part failed. */
export function open(key: Buffer, iv: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (iv.length !== IV_BYTES || sealed.length < TAG_BYTES) throw new DecryptError("malformed ciphertext");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
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

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * Node's base64url decoder skips characters it does not know, so one ciphertext would have many spellings.
 * Accepting only the canonical one keeps stored strings comparable and rejects junk early. Checked without
 * re-encoding (this runs on every field read): only the alphabet, no impossible length, and the unused low
 * bits of the last character zero.
 */
export function fromBase64url(text: string): Buffer {
  const tail = text.length % 4;
  if (tail === 1 || !BASE64URL.test(text)) throw new DecryptError("malformed encoding");
  if (tail !== 0 && (ALPHABET.indexOf(text.charAt(text.length - 1)) & (tail === 2 ? 0x0f : 0x03)) !== 0) {
    throw new DecryptError("malformed encoding");
  }
  return Buffer.from(text, "base64url");
}
