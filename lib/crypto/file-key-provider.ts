import { createPrivateKey, createPublicKey, randomBytes } from "node:crypto";
import { chmodSync, closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
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

interface KeyFile {
  masterKeys: { active: number; keys: Record<string, string> };
  secrets: Record<SecretPurpose, string>;
  auditSigningKey: string;
}

function isKeyFile(value: unknown): value is KeyFile {
  const v = value as KeyFile | null;
  const keys: unknown = v?.masterKeys?.keys;
  return (
    typeof v?.masterKeys?.active === "number" &&
    typeof keys === "object" &&
    keys !== null &&
    Object.values(keys).every((k) => typeof k === "string") &&
    secretPurposes.every((p) => typeof v.secrets?.[p] === "string") &&
    typeof v.auditSigningKey === "string"
  );
}

function freshKeyFile(): KeyFile {
  const b64 = () => randomBytes(32).toString("base64");
  return {
    masterKeys: { active: 1, keys: { "1": b64() } },
    secrets: Object.fromEntries(secretPurposes.map((p) => [p, b64()])) as Record<SecretPurpose, string>,
    auditSigningKey: newAuditSigningPem(),
  };
}

/**
 * Development and test keys in `<dir>/keys.json` (dir 0700, file 0600, git-ignored), generated on first
 * use. Also where `keys:rotate` adds master key versions and `keys:retire` removes them in development.
 */
export class FileKeyProvider implements KeyProvider {
  private readonly file: string;
  private data: KeyFile;
  private loadedAt = 0;
  private signing: AuditSigningKey | undefined;

  constructor(readonly dir: string) {
    this.file = join(dir, "keys.json");
    this.data = existsSync(this.file) ? this.read() : this.generate();
  }

  private read(): KeyFile {
    this.loadedAt = statSync(this.file).mtimeMs;
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.file, "utf8"));
    } catch {
      throw new KeyConfigError(`${this.file} is not valid JSON`);
    }
    if (!isKeyFile(parsed)) throw new KeyConfigError(`${this.file} is not a Custodia key file`);
    const master = new Map(Object.entries(parsed.masterKeys.keys).map(([v, k]) => [Number(v), Buffer.from(k, "base64")]));
    const secrets = Object.fromEntries(secretPurposes.map((p) => [p, Buffer.from(parsed.secrets[p], "base64")]));
    const problems = keyMaterialProblems(master, secrets, { masterKey: (v) => `master key ${v}`, secret: (p) => p });
    if (!master.has(parsed.masterKeys.active)) problems.push(`active master key ${parsed.masterKeys.active} is not present`);
    if (problems.length > 0) throw new KeyConfigError(`${this.file}: ${problems.join("; ")}`);
    return parsed;
  }

  /** A rotation run by another process (keys:rotate) is picked up without restarting the portal. */
  private refresh(): void {
    if (statSync(this.file).mtimeMs !== this.loadedAt) this.data = this.read();
  }

  private generate(): KeyFile {
    const temp = this.writeTemp(freshKeyFile());
    try {
      // link, unlike rename, never replaces: when two processes start at once the first key file wins and
      // the other adopts it, instead of one of them encrypting under keys that were then overwritten.
      linkSync(temp, this.file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    } finally {
      unlinkSync(temp);
    }
    this.syncDir();
    return this.read();
  }

  /** Replaces the key file atomically: a crash leaves the old file or the new one, never half of one. */
  private replace(data: KeyFile): void {
    renameSync(this.writeTemp(data), this.file);
    this.syncDir();
    this.data = this.read();
  }

  private writeTemp(data: KeyFile): string {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    // Random suffix: worker threads share a pid and may generate into the same folder at once.
    const temp = `${this.file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
    const fd = openSync(temp, "wx", 0o600);
    try {
      writeSync(fd, JSON.stringify(data, null, 2));
      // Durable before it becomes visible: data keys get rewrapped under a new master key right after.
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(temp, 0o600);
    return temp;
  }

  private syncDir(): void {
    if (process.platform === "win32") return;
    const fd = openSync(this.dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  masterKeys(): MasterKeys {
    this.refresh();
    const entries = Object.entries(this.data.masterKeys.keys).map(([v, k]) => [Number(v), Buffer.from(k, "base64")] as const);
    return { active: this.data.masterKeys.active, keys: new Map(entries) };
  }

  secret(purpose: SecretPurpose): Buffer {
    return Buffer.from(this.data.secrets[purpose], "base64");
  }

  auditSigningKey(): AuditSigningKey {
    if (!this.signing) {
      const privateKey = createPrivateKey(this.data.auditSigningKey);
      this.signing = { privateKey, publicKey: createPublicKey(privateKey) };
    }
    return this.signing;
  }

  /** Adds a master key version and makes it active; existing data keys are rewrapped by keys:rotate. */
  addMasterKeyVersion(): number {
    this.refresh();
    const next = Math.max(...Object.keys(this.data.masterKeys.keys).map(Number)) + 1;
    const keys = { ...this.data.masterKeys.keys, [String(next)]: randomBytes(32).toString("base64") };
    this.replace({ ...this.data, masterKeys: { active: next, keys } });
    return next;
  }

  /** The caller first makes sure no data key still depends on it (keys:retire checks the database). */
  retireMasterKeyVersion(version: number): void {
    this.refresh();
    if (version === this.data.masterKeys.active) throw new KeyConfigError("the active master key cannot be retired");
    if (!(String(version) in this.data.masterKeys.keys)) throw new KeyConfigError(`master key ${version} does not exist`);
    const keys = { ...this.data.masterKeys.keys };
    delete keys[String(version)];
    this.replace({ ...this.data, masterKeys: { ...this.data.masterKeys, keys } });
  }
}
