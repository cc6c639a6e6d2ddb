import { generate } from "otplib";
import { afterEach, describe, expect, it, vi } from "vitest";
import { verifySecondFactor } from "@/lib/auth/mfa";
import { checkSession } from "@/lib/auth/sessions";
import { passwordSignIn, type SignInResult } from "@/lib/auth/sign-in";
import { blindIndex, blindIndexText } from "@/lib/crypto/blind-index";
import { burst, isKeyLocked, lockoutAlerts, wrongCodes } from "./helpers/concurrency";
import { adminQuery } from "./helpers/db";
import { makeUser, PASSWORD, request } from "./helpers/fixtures";

// Holds one chosen password's check open, so a test can lock the account while that check is in flight.
const held = vi.hoisted(() => ({ current: null as null | { password: string; reached: () => void; released: Promise<void> } }));
vi.mock("@/lib/auth/password", async (importOriginal) => {
  const real = await importOriginal<typeof import("@/lib/auth/password")>();
  return {
    ...real,
    verifyPassword: async (hash: string, password: string) => {
      const hold = held.current;
      if (hold?.password === password) {
        hold.reached();
        await hold.released;
      }
      return real.verifyPassword(hash, password);
    },
  };
});

const MAX = 5;
const envBackup = { ...process.env };
afterEach(() => {
  process.env = { ...envBackup };
  held.current = null;
});

async function events(actorId: string, action: string) {
  return adminQuery<{ outcome: string; details: Record<string, unknown> }>(
    "SELECT outcome, details FROM audit_event WHERE action = $1 AND actor_id = $2 ORDER BY seq",
    [action, actorId],
  );
}

const sessionsOf = (userId: string) => adminQuery("SELECT id FROM auth_session WHERE user_id = $1", [userId]);
const settled = <T>(results: PromiseSettledResult<T>[]): T[] =>
  results.map((r) => {
    if (r.status === "rejected") throw r.reason;
    return r.value;
  });
const reasonCount = (list: { details: Record<string, unknown> }[], reason: string) => list.filter((e) => e.details.reason === reason).length;

// Where the right password or code sits in a burst of 20: last, and at #16, which the app's pool of ten
// connections (lib/db/client.ts) lets start only after at least six attempts before it were counted.
const positions = [["last", 19], ["at #16", 15]] as const;

describe("password lockout under parallel guesses", () => {
  for (const [name, rightAt] of positions) {
    it(`checks at most ${MAX} of 20 parallel guesses and never signs in, with the right password ${name}`, async () => {
      const user = await makeUser("patient");
      const key = `acct:${blindIndexText(blindIndex("email", user.email))}`;
      const results = settled(
        await burst(key, 20, (i) =>
          passwordSignIn({ email: user.email, password: i === rightAt ? PASSWORD : `guess-${i}`, portal: "patient" }, request(`10.1.${rightAt}.${i}`)),
        ),
      );
      expect(results.filter((r) => r.ok)).toEqual([]);
      expect(results[rightAt]).toEqual({ ok: false, reason: "locked" });
      expect(await sessionsOf(user.id)).toEqual([]);

      const attempts = await events(user.id, "auth.sign_in");
      expect(attempts).toHaveLength(20);
      expect(attempts.every((e) => e.outcome === "denied")).toBe(true);
      expect(reasonCount(attempts, "wrong-password")).toBe(MAX);
      expect(reasonCount(attempts, "locked") + reasonCount(attempts, "attempts-in-flight")).toBe(20 - MAX);

      expect(await isKeyLocked(key)).toBe(true);
      expect(await events(user.id, "auth.lockout")).toEqual([expect.objectContaining({ details: expect.objectContaining({ scope: "account", step: "password" }) })]);
      expect((await lockoutAlerts()).filter((a) => a.actor_id === user.id)).toHaveLength(1);
      expect(await passwordSignIn({ email: user.email, password: PASSWORD, portal: "patient" }, request("10.1.99.1"))).toEqual({ ok: false, reason: "locked" });
    });
  }

  it("refuses a right password whose check was under way when the account locked, and records it", async () => {
    const user = await makeUser("patient");
    let reached!: () => void;
    let release!: () => void;
    const reachedCheck = new Promise<void>((resolve) => (reached = resolve));
    held.current = { password: PASSWORD, reached, released: new Promise<void>((resolve) => (release = resolve)) };
    const right = passwordSignIn({ email: user.email, password: PASSWORD, portal: "patient" }, request("10.2.0.1"));
    await reachedCheck;
    const wrong = await Promise.all(
      Array.from({ length: MAX }, (_, i) => passwordSignIn({ email: user.email, password: `guess-${i}`, portal: "patient" }, request(`10.2.0.${i + 2}`))),
    );
    expect(wrong.every((r) => !r.ok)).toBe(true);
    expect(await isKeyLocked(`acct:${blindIndexText(blindIndex("email", user.email))}`)).toBe(true);
    release();

    expect(await right).toEqual({ ok: false, reason: "locked" });
    expect(await sessionsOf(user.id)).toEqual([]);
    const attempts = await events(user.id, "auth.sign_in");
    expect(reasonCount(attempts, "locked-during-check")).toBe(1);
    expect(attempts.filter((e) => e.outcome !== "denied")).toEqual([]);
    expect(await events(user.id, "auth.lockout")).toHaveLength(1);
  });

  it("holds the per-address limit against a parallel spray over many accounts", async () => {
    process.env.LOCKOUT_ADDRESS_MAX_FAILURES = String(MAX);
    const user = await makeUser("patient");
    const ip = "10.3.0.1";
    const rightAt = 15;
    const results = settled(
      await burst(`addr:${ip}`, 20, (i) =>
        passwordSignIn(
          i === rightAt ? { email: user.email, password: PASSWORD, portal: "patient" } : { email: `spray-${i}@example.test`, password: "Winter2026!", portal: "patient" },
          request(ip),
        ),
      ),
    );
    expect(results[rightAt]).toEqual({ ok: false, reason: "locked" });
    expect(results.filter((r: SignInResult) => r.ok)).toEqual([]);
    expect(await sessionsOf(user.id)).toEqual([]);

    const attempts = await adminQuery<{ details: Record<string, unknown> }>("SELECT details FROM audit_event WHERE action = 'auth.sign_in' AND ip = $1", [ip]);
    expect(attempts).toHaveLength(20);
    expect(reasonCount(attempts, "unknown-account")).toBe(MAX);
    const lockouts = await adminQuery<{ details: Record<string, unknown> }>("SELECT details FROM audit_event WHERE action = 'auth.lockout' AND ip = $1", [ip]);
    expect(lockouts).toEqual([expect.objectContaining({ details: expect.objectContaining({ scope: "address", address: ip }) })]);
    expect((await lockoutAlerts()).filter((a) => a.details.address === ip)).toEqual([expect.objectContaining({ actor_id: null })]);
    expect(await isKeyLocked(`addr:${ip}`)).toBe(true);

    expect((await passwordSignIn({ email: user.email, password: PASSWORD, portal: "patient" }, request("10.3.0.2"))).ok).toBe(true);
  });
});

describe("second-factor lockout under parallel codes", () => {
  async function pendingStaffSession() {
    const user = await makeUser("clinician");
    const signedIn = await passwordSignIn({ email: user.email, password: PASSWORD, portal: "staff" }, request("10.4.255.1"));
    if (!signedIn.ok) throw new Error("sign-in failed");
    return { user, sessionId: signedIn.sessionId, secret: user.totpSecret! };
  }

  for (const [name, rightAt] of positions) {
    it(`checks at most ${MAX} of 20 parallel codes and the right one ${name} does not pass`, async () => {
      const { user, sessionId, secret } = await pendingStaffSession();
      const wrong = await wrongCodes(secret, 20);
      const right = await generate({ secret });
      const results = settled(
        await burst(`mfa:${user.id}`, 20, (i) => verifySecondFactor(sessionId, i === rightAt ? right : wrong[i]!, request(`10.4.${rightAt}.${i}`))),
      );
      expect(results.filter((r) => r.ok)).toEqual([]);
      expect(await checkSession(sessionId, request())).toEqual({ status: "invalid", reason: "revoked" });

      const attempts = await events(user.id, "auth.mfa");
      expect(attempts).toHaveLength(20);
      expect(attempts.every((e) => e.outcome === "denied")).toBe(true);
      expect(reasonCount(attempts, "wrong-code")).toBe(MAX);
      expect(await events(user.id, "auth.lockout")).toEqual([expect.objectContaining({ details: expect.objectContaining({ scope: "second-factor", step: "mfa" }) })]);
      expect((await lockoutAlerts()).filter((a) => a.actor_id === user.id)).toHaveLength(1);
      expect(await isKeyLocked(`mfa:${user.id}`)).toBe(true);

      // The password still works, but the lock holds at the code step for a new session too.
      const again = await passwordSignIn({ email: user.email, password: PASSWORD, portal: "staff" }, request("10.4.99.1"));
      if (!again.ok) throw new Error("sign-in failed");
      expect(await verifySecondFactor(again.sessionId, await generate({ secret }), request("10.4.99.1"))).toEqual({ ok: false, reason: "locked" });
      expect((await checkSession(again.sessionId, request())).status).toBe("invalid");
    });
  }

  it("accepts one valid code once when two sessions race with it", async () => {
    const { user, sessionId, secret } = await pendingStaffSession();
    const other = await passwordSignIn({ email: user.email, password: PASSWORD, portal: "staff" }, request("10.5.0.1"));
    if (!other.ok) throw new Error("sign-in failed");
    const code = await generate({ secret });
    const results = settled(await burst(`mfa:${user.id}`, 2, (i) => verifySecondFactor(i === 0 ? sessionId : other.sessionId, code, request(`10.5.1.${i}`))));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const statuses = await Promise.all([sessionId, other.sessionId].map(async (id) => (await checkSession(id, request())).status));
    expect(statuses.sort()).toEqual(["active", "mfa"]);
    expect((await events(user.id, "auth.mfa")).filter((e) => e.outcome === "allowed")).toHaveLength(1);
  });
});
