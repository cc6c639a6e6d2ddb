import { statSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KeyConfigError } from "./errors";
import { EnvKeyProvider, FileKeyProvider, generateProductionKeys } from "./keys";

function envFrom(lines: string): Record<string, string> {
  return Object.fromEntries(lines.split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

describe("development key file", () => {
  it("is generated once, private to its owner, and reused", () => {
    const dir = mkdtempSync(join(tmpdir(), "custodia-keys-"));
    const first = new FileKeyProvider(dir);
    const second = new FileKeyProvider(dir);
    expect(second.secret("auditHmac").equals(first.secret("auditHmac"))).toBe(true);
    expect(statSync(join(dir, "keys.json")).mode & 0o777).toBe(0o600);
    expect(first.secret("blindIndex").equals(first.secret("pseudonym"))).toBe(false);
  });
});

describe("production keys from the environment", () => {
  it("accepts freshly generated keys", () => {
    const provider = new EnvKeyProvider(envFrom(generateProductionKeys()));
    expect(provider.masterKeys().active).toBe(1);
    expect(provider.secret("system")).toHaveLength(32);
    expect(provider.auditSigningKey().publicKey.asymmetricKeyType).toBe("ed25519");
  });

  it("refuses to start without keys, naming the variables and never a value", () => {
    const env = envFrom(generateProductionKeys());
    const secretValue = env.CUSTODIA_SYSTEM_KEY!;
    delete env.CUSTODIA_SYSTEM_KEY;
    delete env.AUTH_SECRET;
    env.CUSTODIA_PSEUDONYM_KEY = secretValue;
    const error = (() => {
      try {
        new EnvKeyProvider(env);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(KeyConfigError);
    expect(error!.message).toContain("CUSTODIA_SYSTEM_KEY");
    expect(error!.message).toContain("AUTH_SECRET");
    expect(error!.message).not.toContain(secretValue);
    expect(() => new EnvKeyProvider({})).toThrow(/CUSTODIA_MASTER_KEYS/);
  });

  it("refuses the same key bytes for two purposes, and weak keys", () => {
    const env = envFrom(generateProductionKeys());
    expect(() => new EnvKeyProvider({ ...env, CUSTODIA_PSEUDONYM_KEY: env.CUSTODIA_BLIND_INDEX_KEY })).toThrow(/reuses/);
    expect(() => new EnvKeyProvider({ ...env, CUSTODIA_BACKUP_KEY: Buffer.alloc(32).toString("base64") })).toThrow(/all zeros/);
    expect(() => new EnvKeyProvider({ ...env, CUSTODIA_BACKUP_KEY: Buffer.alloc(8, 1).toString("base64") })).toThrow(/shorter/);
  });
});
