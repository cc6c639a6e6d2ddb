import "server-only";
import { createHmac } from "node:crypto";
import { keyProvider, type KeyProvider } from "./keys";

/**
 * Keyed blind indexes for exact search without plaintext in the database: HMAC-SHA256 under the blindIndex
 * key, the 32 raw bytes (bytea columns, migration 0034: half the index width of the hex text they replaced). The HMAC input is `<kind>\0<normalized value>`, so equal strings of
 * different kinds never collide. Normalization, so that equivalent spellings match:
 * - ssn:     digits only; anything but 9 digits throws InvalidIdentifier (a partial SSN must not match)
 * - mrn:     NFKC, upper case, whitespace and dashes removed
 * - email:   NFKC, trimmed, lower case
 * - name:    NFKD with combining marks (diacritics) removed, lower case, whitespace collapsed and trimmed
 * - nameDob: "<name>|<YYYY-MM-DD>", name as above (split at the last "|"), date a real calendar date,
 *            otherwise InvalidIdentifier
 * Changing a rule changes every stored index: it needs a reindex migration.
 */
export type BlindIndexKind = "ssn" | "mrn" | "email" | "name" | "nameDob";

export class InvalidIdentifier extends Error {
  constructor(kind: BlindIndexKind) {
    super(`not a valid ${kind}`);
    this.name = "InvalidIdentifier";
  }
}

function normalizeName(value: string): string {
  return value.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase().replace(/\s+/g, " ").trim();
}

function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

function normalizeIdentifier(kind: BlindIndexKind, value: string): string {
  switch (kind) {
    case "ssn": {
      const digits = value.replace(/\D/g, "");
      if (digits.length !== 9) throw new InvalidIdentifier(kind);
      return digits;
    }
    case "mrn":
      return value.normalize("NFKC").toUpperCase().replace(/[\s-]/g, "");
    case "email":
      return value.normalize("NFKC").trim().toLowerCase();
    case "name":
      return normalizeName(value);
    case "nameDob": {
      const split = value.lastIndexOf("|");
      const name = normalizeName(value.slice(0, Math.max(split, 0)));
      const date = value.slice(split + 1).trim();
      if (split < 0 || name === "" || !isCalendarDate(date)) throw new InvalidIdentifier(kind);
      return `${name}|${date}`;
    }
  }
}

export function hmacHex(key: Buffer, message: string): string {
  return createHmac("sha256", key).update(message, "utf8").digest("hex");
}

export function blindIndex(kind: BlindIndexKind, value: string, provider: KeyProvider = keyProvider()): Uint8Array<ArrayBuffer> {
  return createHmac("sha256", provider.secret("blindIndex")).update(`${kind}\u0000${normalizeIdentifier(kind, value)}`, "utf8").digest();
}

/** A blind index as text, where one must be part of a string key (login throttle keys); same hex as before 0034. */
export function blindIndexText(index: Uint8Array): string {
  return Buffer.from(index.buffer, index.byteOffset, index.byteLength).toString("hex");
}
