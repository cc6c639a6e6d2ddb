import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { DecryptError } from "./errors";

export const IV_BYTES = 12;
const TAG_BYTES = 16;

/** AES-256-GCM with a 96-bit IV; returns ciphertext || tag. `iv` is injectable only for known-answer tests. */
export function seal(key: Buffer, plaintext: Buffer, aad: Buffer, iv: Buffer = randomBytes(IV_BYTES)): { iv: Buffer; sealed: Buffer } {
  if (key.length !== 32) throw new Error("AES-256-GCM needs a 32-byte key");
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, sealed: Buffer.concat([body, cipher.getAuthTag()]) };
}

export function open(key: Buffer, iv: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (iv.length !== IV_BYTES || sealed.length < TAG_BYTES) throw new DecryptError("malformed ciphertext");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new DecryptError("authentication failed");
  }
}
