import { afterEach, describe, expect, it, vi } from "vitest";
import { currentTotp, newTotpSecret, totpUri, verifyTotp } from "./totp";

/** The middle of a 30-second step, so "one step before/after" is never a boundary case. */
const NOW_SECONDS = 1_800_000_015;
const STEP = BigInt(Math.floor(NOW_SECONDS / 30));
const codeAt = (secret: string, offsetSeconds: number) => currentTotp(secret, new Date((NOW_SECONDS + offsetSeconds) * 1000));

afterEach(() => {
  vi.useRealTimers();
});

describe("TOTP verification", () => {
  it("accepts only the current and previous step", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(NOW_SECONDS * 1000);
    const secret = newTotpSecret();
    expect(await verifyTotp(secret, await codeAt(secret, 0), null)).toEqual({ ok: true, step: STEP });
    expect(await verifyTotp(secret, await codeAt(secret, -30), null)).toEqual({ ok: true, step: STEP - 1n });
    expect(await verifyTotp(secret, await codeAt(secret, -60), null)).toEqual({ ok: false });
    expect(await verifyTotp(secret, await codeAt(secret, 30), null)).toEqual({ ok: false });

    // A code at or before the last step used never works again.
    expect(await verifyTotp(secret, await codeAt(secret, 0), STEP)).toEqual({ ok: false });
    expect(await verifyTotp(secret, await codeAt(secret, -30), STEP - 1n)).toEqual({ ok: false });
    expect(await verifyTotp(secret, await codeAt(secret, -30), STEP)).toEqual({ ok: false });
    expect(await verifyTotp(secret, await codeAt(secret, 0), STEP - 1n)).toEqual({ ok: true, step: STEP });
    expect(await verifyTotp(secret, "12345", null)).toEqual({ ok: false });
  });

  it("refuses the current code with a character added before or after it", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(NOW_SECONDS * 1000);
    const secret = newTotpSecret();
    const code = await codeAt(secret, 0);
    expect(await verifyTotp(secret, `${code}7`, null)).toEqual({ ok: false });
    expect(await verifyTotp(secret, `7${code}`, null)).toEqual({ ok: false });
    expect(await verifyTotp(secret, ` ${code}`, null)).toEqual({ ok: false });
  });

  it("enrols an authenticator app under the Custodia name with the account's label and secret", () => {
    const secret = newTotpSecret();
    const uri = new URL(totpUri(secret, "nova.admin@example.org"));
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.searchParams.get("issuer")).toBe("Custodia");
    expect(uri.searchParams.get("secret")).toBe(secret);
    expect(decodeURIComponent(uri.pathname)).toContain("nova.admin@example.org");
  });
});
