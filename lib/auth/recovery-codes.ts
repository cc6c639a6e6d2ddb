import "server-only";
import { createHmac, randomInt } from "node:crypto";
import { keyProvider } from "@/lib/crypto/keys";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
export const RECOVERY_CODE_COUNT = 10;

/** 60 random bits each, shown once, stored only as a keyed hash. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = Array.from({ length: 12 }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");
    return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8)}`;
  });
}

export function hashRecoveryCode(userId: string, code: string): string {
  const normalized = code.replace(/[^A-Za-z2-7]/g, "").toUpperCase();
  return createHmac("sha256", keyProvider().secret("system")).update(`recovery|${userId}|${normalized}`).digest("hex");
}
