import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { config } from "@/lib/config";
import { KeyConfigError } from "./errors";

/** Separate keys per purpose: compromise or rotation of one never touches the others. */
export const secretPurposes = ["blindIndex", "pseudonym", "auditHmac", "backup", "system", "authSecret"] as const;
export type SecretPurpose = (typeof secretPurposes)[number];

export interface MasterKeys {
  active: number;
  keys: Map<number, Buffer>;
}

export interface KeyProvider {
  masterKeys(): MasterKeys;
  secret(purpose: SecretPurpose): Buffer;
  auditSigningKey(): { privateKey: KeyObject; publicKey: KeyObject };
}

interface KeyFile {
  masterKeys: { active: number; keys: Record<string, string> };
  secrets: Record<SecretPurpose, string>;
  auditSigningKey: string;
}

function validate(keys: MasterKeys, secrets: Record<SecretPurpose, Buffer>): void {
  const problems: string[] = [];
  if (!keys.keys.has(keys.active)) problems.push(`active master key ${keys.active} is not present`);
  const all: [string, Buffer][] = [
    ...[...keys.keys].map(([v, k]) => [`master key ${v}`, k] as [string, Buffer]),
    ...secretPurposes.map((p) => [p, secrets[p]] as [string, Buffer]),
  ];
  const seen = new Map<string, string>();
  for (const [name, key] of all) {
    if (key.length < 32) problems.push(`${name} is shorter than 32 bytes`);
    else if (key.every((b) => b === 0)) problems.push(`${name} is all zeros`);
    const hex = key.toString("hex");
    if (seen.has(hex)) problems.push(`${name} reuses the bytes of ${seen.get(hex)}`);
    seen.set(hex, name);
  }
  if (problems.length > 0) throw new KeyConfigError(`invalid keys: ${problems.join("; ")}`);
}

/**
 * Development and test keys, generated on first use into a git-ignored folder (mode 0600). Also the
 * provider the rotation script extends with new master key versions.
 */
export class FileKeyProvider implements KeyProvider {
  private readonly file: string;
  private data: KeyFile;
  private loadedAt = 0;

  constructor(readonly dir: string) {
    this.file = join(dir, "keys.json");
    this.data = existsSync(this.file) ? this.read() : this.generate();
    validate(this.masterKeys(), this.secrets());
  }

  private read(): KeyFile {
    this.loadedAt = statSync(this.file).mtimeMs;
    return JSON.parse(readFileSync(this.file, "utf8")) as KeyFile;
  }

  /** A rotation run by another process (keys:rotate) is picked up without restarting the portal. */
  private refresh(): void {
    if (statSync(this.file).mtimeMs !== this.loadedAt) this.data = this.read();
  }

  private generate(): KeyFile {
    const { privateKey } = generateKeyPairSync("ed25519");
    const data: KeyFile = {
      masterKeys: { active: 1, keys: { "1": randomBytes(32).toString("base64") } },
      secrets: Object.fromEntries(secretPurposes.map((p) => [p, randomBytes(32).toString("base64")])) as Record<SecretPurpose, string>,
      auditSigningKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    };
    this.write(data);
    this.loadedAt = statSync(this.file).mtimeMs;
    return data;
  }

  private write(data: KeyFile): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(data, null, 2), { mode: 0o600 });
    chmodSync(temp, 0o600);
    // rename is atomic: a crash leaves either the old file or the new one, never half of one.
    renameSync(temp, this.file);
  }

  private secrets(): Record<SecretPurpose, Buffer> {
    return Object.fromEntries(secretPurposes.map((p) => [p, Buffer.from(this.data.secrets[p], "base64")])) as Record<SecretPurpose, Buffer>;
  }

  masterKeys(): MasterKeys {
    this.refresh();
    const entries = Object.entries(this.data.masterKeys.keys).map(([v, k]) => [Number(v), Buffer.from(k, "base64")] as const);
    return { active: this.data.masterKeys.active, keys: new Map(entries) };
  }

  secret(purpose: SecretPurpose): Buffer {
    return Buffer.from(this.data.secrets[purpose], "base64");
  }

  auditSigningKey() {
    const privateKey = createPrivateKey(this.data.auditSigningKey);
    return { privateKey, publicKey: createPublicKey(privateKey) };
  }

  /** Adds a new master key version and makes it active; data keys are rewrapped by keys:rotate. */
  addMasterKeyVersion(): number {
    const next = Math.max(...Object.keys(this.data.masterKeys.keys).map(Number)) + 1;
    const data: KeyFile = {
      ...this.data,
      masterKeys: { active: next, keys: { ...this.data.masterKeys.keys, [String(next)]: randomBytes(32).toString("base64") } },
    };
    this.write(data);
    this.data = this.read();
    return next;
  }

  retireMasterKeyVersion(version: number): void {
    if (version === this.data.masterKeys.active) throw new KeyConfigError("the active master key cannot be retired");
    const keys = { ...this.data.masterKeys.keys };
    delete keys[String(version)];
    const data: KeyFile = { ...this.data, masterKeys: { ...this.data.masterKeys, keys } };
    this.write(data);
    this.data = this.read();
  }
}

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

/** Production keys from the environment (or a secret manager that populates it); a KMS adapter fits the same interface. */
export class EnvKeyProvider implements KeyProvider {
  private readonly master: MasterKeys;
  private readonly secretKeys: Record<SecretPurpose, Buffer>;
  private readonly signing: { privateKey: KeyObject; publicKey: KeyObject };

  constructor(env: Record<string, string | undefined>) {
    const missing: string[] = [];
    const read = (name: string) => {
      const value = env[name];
      if (!value) missing.push(name);
      return value ?? "";
    };
    const masterSpec = read(envKeyNames.masterKeys);
    const active = Number(read(envKeyNames.activeMasterKey));
    const secrets = Object.fromEntries(
      secretPurposes.map((p) => [p, Buffer.from(read(envKeyNames.secrets[p]), "base64")]),
    ) as Record<SecretPurpose, Buffer>;
    const signingPem = read(envKeyNames.auditSigningKey);
    if (missing.length > 0) throw new KeyConfigError(`production needs these key variables: ${missing.join(", ")}`);
    const keys = new Map<number, Buffer>();
    for (const part of masterSpec.split(",")) {
      const [version, key] = part.split(":");
      if (!version || !key || !Number.isInteger(Number(version))) throw new KeyConfigError(`${envKeyNames.masterKeys} must look like 1:<base64>,2:<base64>`);
      keys.set(Number(version), Buffer.from(key, "base64"));
    }
    this.master = { active, keys };
    validate(this.master, secrets);
    this.secretKeys = secrets;
    try {
      const privateKey = createPrivateKey(Buffer.from(signingPem, "base64").toString("utf8"));
      this.signing = { privateKey, publicKey: createPublicKey(privateKey) };
    } catch {
      throw new KeyConfigError(`${envKeyNames.auditSigningKey} must be a base64-encoded PKCS#8 Ed25519 PEM`);
    }
  }

  masterKeys(): MasterKeys {
    return this.master;
  }

  secret(purpose: SecretPurpose): Buffer {
    return this.secretKeys[purpose];
  }

  auditSigningKey() {
    return this.signing;
  }
}

/** Fresh production key material as environment lines, for `npm run keys:generate`. */
export function generateProductionKeys(): string {
  const b64 = () => randomBytes(32).toString("base64");
  const { privateKey } = generateKeyPairSync("ed25519");
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  return [
    `${envKeyNames.masterKeys}=1:${b64()}`,
    `${envKeyNames.activeMasterKey}=1`,
    ...secretPurposes.map((p) => `${envKeyNames.secrets[p]}=${b64()}`),
    `${envKeyNames.auditSigningKey}=${Buffer.from(pem).toString("base64")}`,
  ].join("\n");
}

let provider: KeyProvider | undefined;

export function keyProvider(): KeyProvider {
  provider ??= config().env === "production" ? new EnvKeyProvider(process.env) : new FileKeyProvider(config().keyDir);
  return provider;
}
