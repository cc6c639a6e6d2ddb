import { createHmac } from "node:crypto";
import { keyProvider, type KeyProvider } from "./keys";

/** A stable, keyed, non-reversible stand-in for a patient id in audit events and analytics. */
export function pseudonym(patientId: string, provider: KeyProvider = keyProvider()): string {
  return `psn_${createHmac("sha256", provider.secret("pseudonym")).update(patientId).digest("base64url").slice(0, 22)}`;
}
