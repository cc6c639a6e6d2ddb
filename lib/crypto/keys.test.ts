import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { KeyConfigError } from "./errors";
import { EnvKeyProvider, FileKeyProvider, generateProductionKeys, secretPurposes } from "./keys";

const tempDir = () => mkdtempSync(join(tmpdir(), "custodia-keys-"));

function envFrom(lines: string): Record<string, string> {
  return Object.fromEntries(lines.split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

function configError(env: Record<string, string | undefined>): KeyConfigError {
  try {
    new EnvKeyProvider(env);
  } catch (e) {
    if (e instanceof KeyConfigError) return e;
    throw e;
  }
  throw new Error("expected a KeyConfigError");
}

describe("development key file", () => {
  it("is generated once, private to its owner, and reused", () => {
    const dir = join(tempDir(), "keys");
    const first = new FileKeyProvider(dir);
    const second = new FileKeyProvider(dir);
    for (const purpose of secretPurposes) expect(second.secret(purpose).equals(first.secret(purpose))).toBe(true);
    expect(second.masterKeys().keys.get(1)!.equals(first.masterKeys().keys.get(1)!)).toBe(true);
    expect(statSync(join(dir, "keys.json")).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(first.secret("blindIndex").equals(first.secret("pseudonym"))).toBe(false);
    expect(first.auditSigningKey().publicKey.asymmetricKeyType).toBe("ed25519");
  });

  it("tightens a key folder that already existed with looser permissions", () => {
    const dir = join(tempDir(), "keys");
    mkdirSync(dir, { mode: 0o755 });
    new FileKeyProvider(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it("gives every process the same keys when several start at once on an empty folder", async () => {
    const dir = tempDir();
    const providerModule = fileURLToPath(new URL("./file-key-provider.ts", import.meta.url));
    const startAt = Date.now() + 1500;
    // Each child spins until the same instant, so their first-use generation really overlaps.
    const script =
      `while (Date.now() < ${startAt});` +
      `const { FileKeyProvider } = await import(${JSON.stringify(providerModule)});` +
      `console.log(new FileKeyProvider(${JSON.stringify(dir)}).secret("system").toString("hex"));`;
    const run = () => promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script]);
    const outputs = await Promise.all(Array.from({ length: 6 }, run));
    const seen = new Set(outputs.map((o) => o.stdout.trim()));
    expect(seen.size).toBe(1);
    expect([...seen][0]).toBe(new FileKeyProvider(dir).secret("system").toString("hex"));
  }, 20_000);

  it("adds and retires master key versions durably, visible to other instances", () => {
    const dir = tempDir();
    const rotator = new FileKeyProvider(dir);
    const portal = new FileKeyProvider(dir);
    expect(rotator.addMasterKeyVersion()).toBe(2);
    expect(portal.masterKeys().active).toBe(2);
    expect([...portal.masterKeys().keys.keys()]).toEqual([1, 2]);
    expect(() => rotator.retireMasterKeyVersion(2)).toThrow(KeyConfigError);
    expect(() => rotator.retireMasterKeyVersion(7)).toThrow(KeyConfigError);
    portal.retireMasterKeyVersion(1);
    expect([...new FileKeyProvider(dir).masterKeys().keys.keys()]).toEqual([2]);
    expect(statSync(join(dir, "keys.json")).mode & 0o777).toBe(0o600);
  });

  it("refuses a damaged key file instead of generating over it", () => {
    const dir = tempDir();
    new FileKeyProvider(dir);
    const file = join(dir, "keys.json");
    const data = JSON.parse(readFileSync(file, "utf8"));
    data.secrets.pseudonym = data.secrets.blindIndex;
    writeFileSync(file, JSON.stringify(data));
    expect(() => new FileKeyProvider(dir)).toThrow(/pseudonym reuses the bytes of blindIndex/);
    writeFileSync(file, "{");
    expect(() => new FileKeyProvider(dir)).toThrow(KeyConfigError);
  });
});

describe("production keys from the environment", () => {
  it("accepts freshly generated keys", () => {
    const provider = new EnvKeyProvider(envFrom(generateProductionKeys()));
    expect(provider.masterKeys().active).toBe(1);
    expect(provider.secret("system")).toHaveLength(32);
    expect(provider.auditSigningKey().publicKey.asymmetricKeyType).toBe("ed25519");
  });

  it("accepts several master key versions with an older one active", () => {
    const env = envFrom(generateProductionKeys());
    const second = envFrom(generateProductionKeys()).CUSTODIA_MASTER_KEYS!.replace(/^1:/, "2:");
    const provider = new EnvKeyProvider({ ...env, CUSTODIA_MASTER_KEYS: `${env.CUSTODIA_MASTER_KEYS}, ${second}` });
    expect([...provider.masterKeys().keys.keys()]).toEqual([1, 2]);
    expect(provider.masterKeys().active).toBe(1);
  });

  it("refuses to start without keys, naming every variable and never a value", () => {
    const env = envFrom(generateProductionKeys());
    const secretValue = env.CUSTODIA_SYSTEM_KEY!;
    delete env.CUSTODIA_SYSTEM_KEY;
    delete env.AUTH_SECRET;
    env.CUSTODIA_PSEUDONYM_KEY = secretValue;
    const error = configError(env);
    expect(error.message).toContain("CUSTODIA_SYSTEM_KEY");
    expect(error.message).toContain("AUTH_SECRET");
    expect(error.message).not.toContain(secretValue);
    const empty = configError({}).message;
    for (const name of Object.keys(envFrom(generateProductionKeys()))) expect(empty).toContain(name);
  });

  it("refuses the same key bytes for two purposes, and weak or malformed keys, without echoing them", () => {
    const env = envFrom(generateProductionKeys());
    const refused = (override: Record<string, string>) => {
      const message = configError({ ...env, ...override }).message;
      for (const value of Object.values(override)) expect(message).not.toContain(value);
      return message;
    };
    expect(refused({ CUSTODIA_PSEUDONYM_KEY: env.CUSTODIA_BLIND_INDEX_KEY! })).toMatch(/CUSTODIA_PSEUDONYM_KEY reuses/);
    const master = env.CUSTODIA_MASTER_KEYS!.slice(2);
    expect(refused({ CUSTODIA_SYSTEM_KEY: master })).toMatch(/CUSTODIA_SYSTEM_KEY reuses/);
    expect(refused({ CUSTODIA_MASTER_KEYS: `1:${master},2:${master}` })).toMatch(/version 2 reuses/);
    expect(refused({ CUSTODIA_MASTER_KEYS: `1:${master},1:${env.CUSTODIA_BACKUP_KEY}` })).toMatch(/version 1 twice/);
    expect(refused({ CUSTODIA_BACKUP_KEY: Buffer.alloc(32).toString("base64") })).toMatch(/all zeros/);
    expect(refused({ CUSTODIA_BACKUP_KEY: Buffer.alloc(8, 1).toString("base64") })).toMatch(/shorter/);
    expect(refused({ CUSTODIA_SYSTEM_KEY: Buffer.alloc(48, 7).toString("base64") })).toMatch(/longer/);
    expect(refused({ CUSTODIA_AUDIT_HMAC_KEY: "not base64!" })).toMatch(/CUSTODIA_AUDIT_HMAC_KEY is not canonical base64/);
    expect(refused({ CUSTODIA_ACTIVE_MASTER_KEY: "2" })).toMatch(/CUSTODIA_ACTIVE_MASTER_KEY names a version/);
    expect(refused({ CUSTODIA_MASTER_KEYS: "one" })).toMatch(/CUSTODIA_MASTER_KEYS entry 1/);
  });

  it("accepts only an Ed25519 audit signing key", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem" });
    const env = { ...envFrom(generateProductionKeys()), CUSTODIA_AUDIT_SIGNING_KEY: Buffer.from(rsa).toString("base64") };
    expect(configError(env).message).toMatch(/CUSTODIA_AUDIT_SIGNING_KEY must be/);
  });

  it("returns master keys the caller cannot use to change the provider", () => {
    const provider = new EnvKeyProvider(envFrom(generateProductionKeys()));
    provider.masterKeys().keys.delete(1);
    expect(provider.masterKeys().keys.has(1)).toBe(true);
  });
});
