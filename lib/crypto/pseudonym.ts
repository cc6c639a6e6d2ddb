import { createHmac } from "node:crypto";
import { keyProvider, type KeyProvider } from "./keys";

/**
 * A stable stand-in for a patient id in audit events and analytics: `psn_` + the first 20 base64url
 * characters (120 bits) of HMAC-SHA256 under the pseudonym key. Keyed, so nobody without the key can
 * recompute it from a known patient id; one-way, so the log never has to change when a patient is erased.
 */
export function pseudonym(patientId: string, provider: KeyProvider = keyProvider()): string {
  return `psn_${createHmac("sha256", provider.secret("pseudonym")).update(patientId, "utf8").digest("base64url").slice(0, 20)}`;
}
