import { afterEach, describe, expect, it, vi } from "vitest";
import { currentTotp, newTotpSecret, verifyTotp } from "./totp";

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
});
