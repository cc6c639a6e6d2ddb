import { createHash, generateKeyPairSync, type KeyObject } from "node:crypto";

/** Separate keys per purpose: compromise or rotation of one never touches the others. */
export const secretPurposes = ["blindIndex", "pseudonym", "auditHmac", "backup", "system", "authSecret"] as const;
export type SecretPurpose = (typeof secretPurposes)[number];

// AES-256 keys must be exactly 32 bytes; HMAC and JWT secrets may be longer but never shorter.
const aesPurposes: ReadonlySet<SecretPurpose> = new Set(["backup", "system"]);

/** Versioned key-encryption keys: `active` wraps new data keys, older versions only unwrap until retired. */
export interface MasterKeys {
  active: number;
  keys: Map<number, Buffer>;
}

export interface AuditSigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** Local file, environment today; a cloud KMS or Vault transit adapter implements the same three calls. */
export interface KeyProvider {
  masterKeys(): MasterKeys;
  secret(purpose: SecretPurpose): Buffer;
  auditSigningKey(): AuditSigningKey;
}

/** How a provider names its keys in errors: variable or field names, never values. */
export interface KeyLabels {
  masterKey(version: number): string;
  secret(purpose: SecretPurpose): string;
}

/**
 * Problems with key material, as text safe to log. Reused bytes are found through SHA-256 digests so no
 * extra copy of a key is kept in an immutable string.
 */
export function keyMaterialProblems(
  master: Map<number, Buffer>,
  secrets: Partial<Record<SecretPurpose, Buffer>>,
  labels: KeyLabels,
): string[] {
  const named: { label: string; bytes: Buffer; aes: boolean }[] = [
    ...[...master].map(([version, bytes]) => ({ label: labels.masterKey(version), bytes, aes: true })),
    ...secretPurposes.flatMap((p) => {
      const bytes = secrets[p];
      return bytes ? [{ label: labels.secret(p), bytes, aes: aesPurposes.has(p) }] : [];
    }),
  ];
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const { label, bytes, aes } of named) {
    if (bytes.length < 32) problems.push(`${label} is shorter than 32 bytes`);
    else if (aes && bytes.length > 32) problems.push(`${label} is longer than 32 bytes (AES-256 takes exactly 32)`);
    else if (bytes.every((b) => b === 0)) problems.push(`${label} is all zeros`);
    const digest = createHash("sha256").update(bytes).digest("hex");
    const first = seen.get(digest);
    if (first) problems.push(`${label} reuses the bytes of ${first}`);
    else seen.set(digest, label);
  }
  return problems;
}

export function newAuditSigningPem(): string {
  return generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
}
