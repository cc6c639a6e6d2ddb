import { createHmac } from "node:crypto";
import { keyProvider, type KeyProvider } from "./keys";

/**
 * Keyed blind indexes (HMAC-SHA256, hex) for exact search without plaintext in the database. Each kind is
 * normalized first, so equivalent spellings match, and domain-separated, so equal strings of different
 * kinds never collide:
 * - ssn: digits only (must be 9)          - mrn: upper case, spaces and dashes removed
 * - email: NFKC, trimmed, lower case      - name: NFKD without diacritics, lower case, single spaces
 * - nameDob: "<name>|<YYYY-MM-DD>" with the name normalized as above
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

export function normalizeIdentifier(kind: BlindIndexKind, value: string): string {
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
      const [name, date] = value.split("|");
      if (!name || !date || !/^\d{4}-\d{2}-\d{2}$/.test(date.trim())) throw new InvalidIdentifier(kind);
      return `${normalizeName(name)}|${date.trim()}`;
    }
  }
}

export function hmacHex(key: Buffer, message: string): string {
  return createHmac("sha256", key).update(message, "utf8").digest("hex");
}

export function blindIndex(kind: BlindIndexKind, value: string, provider: KeyProvider = keyProvider()): string {
  return hmacHex(provider.secret("blindIndex"), `${kind}\u0000${normalizeIdentifier(kind, value)}`);
}
