import { createPrivateKey, createPublicKey, randomBytes } from "node:crypto";
import { KeyConfigError } from "./errors";
import {
  keyMaterialProblems,
  newAuditSigningPem,
  secretPurposes,
  type AuditSigningKey,
  type KeyProvider,
  type MasterKeys,
  type SecretPurpose,
} from "./key-provider";

export const envKeyNames = {
  masterKeys: "CUSTODIA_MASTER_KEYS",
  activeMasterKey: "CUSTODIA_ACTIVE_MASTER_KEY",
  auditSigningKey: "CUSTODIA_AUDIT_SIGNING_KEY",
  secrets: {
    blindIndex: "CUSTODIA_BLIND_INDEX_KEY",
    pseudonym: "CUSTODIA_PSEUDONYM_KEY",
    auditHmac: "CUSTODIA_AUDIT_HMAC_KEY",
    backup: "CUSTODIA_BACKUP_KEY",
    system: "CUSTODIA_SYSTEM_KEY",
    authSecret: "AUTH_SECRET",
  } satisfies Record<SecretPurpose, string>,
} as const;

/** Standard base64 in its canonical spelling only: a typo must fail here, not silently yield other bytes. */
function decodeBase64(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, "base64");
  return bytes.length > 0 && bytes.toString("base64") === text ? bytes : undefined;
}

/**
 * Production keys from the environment (or a secret manager that populates it). The constructor checks
 * everything and throws one KeyConfigError naming every missing or unusable variable, never a value, so an
 * operator fixes the configuration in one pass and logs never carry key material.
 */
export class EnvKeyProvider implements KeyProvider {
  private readonly master: MasterKeys;
  private readonly secrets = {} as Record<SecretPurpose, Buffer>;
  private readonly signing: AuditSigningKey;

  constructor(env: Record<string, string | undefined>) {
    const problems: string[] = [];
    const required = (name: string): string | undefined => {
      const value = env[name]?.trim();
      if (!value) problems.push(`${name} is missing`);
      return value || undefined;
    };
    const base64 = (name: string, text: string): Buffer | undefined => {
      const bytes = decodeBase64(text);
      if (!bytes) problems.push(`${name} is not canonical base64`);
      return bytes;
    };

    const keys = new Map<number, Buffer>();
    const masterSpec = required(envKeyNames.masterKeys);
    for (const [index, entry] of (masterSpec?.split(",") ?? []).entries()) {
      const match = /^\s*(\d+):(\S+)\s*$/.exec(entry);
      const where = `${envKeyNames.masterKeys} entry ${index + 1}`;
      if (!match) problems.push(`${where} must look like <version>:<base64>`);
      else if (keys.has(Number(match[1]))) problems.push(`${envKeyNames.masterKeys} lists version ${match[1]} twice`);
      else {
        const bytes = base64(where, match[2]!);
        if (bytes) keys.set(Number(match[1]), bytes);
      }
    }
    const activeText = required(envKeyNames.activeMasterKey);
    const active = Number(activeText);
    if (activeText && !/^\d+$/.test(activeText)) problems.push(`${envKeyNames.activeMasterKey} must be a version number`);
    else if (activeText && masterSpec && !keys.has(active)) {
      problems.push(`${envKeyNames.activeMasterKey} names a version not in ${envKeyNames.masterKeys}`);
    }
    this.master = { active, keys };

    for (const purpose of secretPurposes) {
      const name = envKeyNames.secrets[purpose];
      const text = required(name);
      const bytes = text === undefined ? undefined : base64(name, text);
      if (bytes) this.secrets[purpose] = bytes;
    }
    problems.push(
      ...keyMaterialProblems(keys, this.secrets, {
        masterKey: (v) => `${envKeyNames.masterKeys} version ${v}`,
        secret: (p) => envKeyNames.secrets[p],
      }),
    );

    const signingText = required(envKeyNames.auditSigningKey);
    const pem = signingText === undefined ? undefined : base64(envKeyNames.auditSigningKey, signingText);
    let signing: AuditSigningKey | undefined;
    try {
      const privateKey = pem && createPrivateKey(pem.toString("utf8"));
      if (privateKey && privateKey.asymmetricKeyType !== "ed25519") throw new Error("not Ed25519");
      signing = privateKey ? { privateKey, publicKey: createPublicKey(privateKey) } : undefined;
    } catch {
      problems.push(`${envKeyNames.auditSigningKey} must be a base64-encoded PKCS#8 Ed25519 private key`);
    }

    if (problems.length > 0 || !signing) {
      throw new KeyConfigError(`production key configuration is not usable: ${problems.join("; ")}`);
    }
    this.signing = signing;
  }

  masterKeys(): MasterKeys {
    return { active: this.master.active, keys: new Map(this.master.keys) };
  }

  secret(purpose: SecretPurpose): Buffer {
    return this.secrets[purpose];
  }

  auditSigningKey(): AuditSigningKey {
    return this.signing;
  }
}

/** Fresh production key material as `NAME=value` lines, for `npm run keys:generate` and a secret manager. */
export function generateProductionKeys(): string {
  const b64 = () => randomBytes(32).toString("base64");
  return [
    `${envKeyNames.masterKeys}=1:${b64()}`,
    `${envKeyNames.activeMasterKey}=1`,
    ...secretPurposes.map((p) => `${envKeyNames.secrets[p]}=${b64()}`),
    `${envKeyNames.auditSigningKey}=${Buffer.from(newAuditSigningPem()).toString("base64")}`,
  ].join("\n");
}
