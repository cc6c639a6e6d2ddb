import { createHmac } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { keyProvider } from "@/lib/crypto/keys";
import { hashRecoveryCode, newRecoveryCodes, RECOVERY_CODE_COUNT } from "./recovery-codes";

const user = "7d0b3c4e-0000-4000-8000-000000000001";

beforeAll(() => {
  process.env.CUSTODIA_KEY_DIR = mkdtempSync(join(tmpdir(), "custodia-recovery-"));
});

describe("recovery codes", () => {
  it("issues ten distinct codes of twelve base32 characters in groups of four", () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(RECOVERY_CODE_COUNT).toBe(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$/);
  });

  it("draws from all 32 characters, so each code carries 60 random bits", () => {
    const seen = new Set(Array.from({ length: 30 }, () => newRecoveryCodes()).flat().join("").replaceAll("-", ""));
    expect([...seen].sort().join("")).toBe("234567ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  });

  it("matches a code however it is typed (case, dashes, spaces), for its own user only", () => {
    const code = newRecoveryCodes()[0]!;
    const stored = hashRecoveryCode(user, code);
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRecoveryCode(user, code.toLowerCase())).toBe(stored);
    expect(hashRecoveryCode(user, ` ${code.replaceAll("-", " ")} `)).toBe(stored);
    expect(hashRecoveryCode(user, code.replaceAll("-", ""))).toBe(stored);
    expect(hashRecoveryCode("7d0b3c4e-0000-4000-8000-000000000002", code)).not.toBe(stored);
    expect(hashRecoveryCode(user, `${code.slice(0, -1)}${code.endsWith("A") ? "B" : "A"}`)).not.toBe(stored);
  });

  // Stored hashes were computed this way: a change would silently void every issued code.
  it("stores HMAC-SHA256 under the system key of `recovery|<user>|<CODE>`", () => {
    const expected = createHmac("sha256", keyProvider().secret("system")).update(`recovery|${user}|ABCDEFGH2345`).digest("hex");
    expect(hashRecoveryCode(user, "abcd-efgh-2345")).toBe(expected);
  });
});
