import "server-only";
import { config } from "@/lib/config";
import { blindIndexText } from "@/lib/crypto/blind-index";
import type { ActorContext, Tx } from "@/lib/db/transaction";

/**
 * Failed-attempt counters per account (password), per user (second factor: TOTP, recovery codes, enrolment,
 * break-glass) and per client address, kept in PostgreSQL so a lockout survives a restart and holds across
 * every app instance. Keys never contain an email: accounts are keyed by their blind index.
 *
 * Threat: lockout bypass by concurrency. An attempt first reserves its place under the row lock of every key
 * (counted as a failure before anything is checked), so a burst of parallel guesses is counted in full and at
 * most `max` of them are ever checked. A success gives its reservation back only if no key locked meanwhile;
 * a failure keeps it and locks the key once the count reaches the maximum.
 */
export type ThrottleKey =
  | `acct:${string}`
  | `addr:${string}`
  | `mfa:${string}`
  | `reset-acct:${string}`
  | `reset-addr:${string}`
  | `activate:${string}`;

/** Why an attempt was refused before its check: a locked key, or the whole budget already in flight. */
export type Refusal = "locked" | "attempts-in-flight";

/** Who the attempt is for, and at which step; attached to the lockout's audit event and alert. */
export interface Attempt {
  actorId: string | null;
  actorRole: string | null;
  step: "password" | "mfa" | "enrolment" | "break-glass" | "password-reset" | "activation";
}

export function signInKeys(emailIndex: Uint8Array, ip: string | null): ThrottleKey[] {
  const emailBidx = blindIndexText(emailIndex);
  return ip ? [`acct:${emailBidx}`, `addr:${ip}`] : [`acct:${emailBidx}`];
}

/**
 * Its own key, not the password's: a successful password step clears the account counter, and must not
 * also clear the second-factor failures (else each sign-in would buy max-1 more code guesses).
 */
export function secondFactorKeys(userId: string, ip: string | null): ThrottleKey[] {
  return ip ? [`mfa:${userId}`, `addr:${ip}`] : [`mfa:${userId}`];
}

/**
 * A patient's activation proves their birth date along with the link: its own key per account (a birth date
 * has few values, so guesses are counted like codes), and the address's sign-in budget.
 */
export function activationKeys(userId: string, ip: string | null): ThrottleKey[] {
  return ip ? [`activate:${userId}`, `addr:${ip}`] : [`activate:${userId}`];
}

/**
 * Password-reset requests have their own keys: every request counts (each sends a message), and asking for
 * resets must neither lock the sign-in of the account nor spend its address's sign-in budget.
 */
export function passwordResetKeys(emailIndex: Uint8Array, ip: string | null): ThrottleKey[] {
  const emailBidx = blindIndexText(emailIndex);
  return ip ? [`reset-acct:${emailBidx}`, `reset-addr:${ip}`] : [`reset-acct:${emailBidx}`];
}

const scopes = {
  acct: "account",
  addr: "address",
  mfa: "second-factor",
  "reset-acct": "password-reset",
  "reset-addr": "password-reset-address",
  activate: "activation",
} as const;
const isAddressKey = (key: ThrottleKey) => key.startsWith("addr:") || key.startsWith("reset-addr:");
const scopeOf = (key: ThrottleKey) => scopes[key.slice(0, key.indexOf(":")) as keyof typeof scopes];

function maxFailures(key: ThrottleKey): number {
  const { lockout } = config();
  return isAddressKey(key) ? lockout.addressMaxFailures : lockout.accountMaxFailures;
}

interface KeyState {
  key: ThrottleKey;
  failures: number;
  locked: boolean;
}

/**
 * Row-locks every key until commit (creating rows on first use), in sorted order so two attempts sharing
 * keys never deadlock; a window that has run out restarts here, so callers read the live count.
 */
async function lockKeys(tx: Tx, keys: ThrottleKey[]): Promise<KeyState[]> {
  const { windowSeconds } = config().lockout;
  const sorted = [...new Set(keys)].sort();
  return tx.$queryRaw<KeyState[]>`
    INSERT INTO login_throttle AS t (key) SELECT unnest(${sorted}::text[])
    ON CONFLICT (key) DO UPDATE SET
      failures = CASE WHEN t.window_started_at <= now() - make_interval(secs => ${windowSeconds})
                       AND NOT coalesce(t.locked_until > now(), false) THEN 0 ELSE t.failures END,
      window_started_at = CASE WHEN t.window_started_at <= now() - make_interval(secs => ${windowSeconds})
                       AND NOT coalesce(t.locked_until > now(), false) THEN now() ELSE t.window_started_at END
    RETURNING key, failures, coalesce(locked_until > now(), false) AS locked`;
}

/** One lockout: one audit event and one alert for the auditors, however many attempts hit the lock after. */
async function lockOut(ctx: ActorContext, key: ThrottleKey, attempt: Attempt): Promise<void> {
  const rows = await ctx.tx.$queryRaw<{ until: Date }[]>`
    UPDATE login_throttle
    SET locked_until = now() + make_interval(secs => ${config().lockout.lockSeconds}), failures = 0, window_started_at = now()
    WHERE key = ${key} RETURNING locked_until AS until`;
  const scope = scopeOf(key);
  const details = { scope, step: attempt.step, until: rows[0]!.until.toISOString(), ...(isAddressKey(key) ? { address: key.slice(key.indexOf(":") + 1) } : {}) };
  ctx.audit({ action: "auth.lockout", outcome: "denied", actorId: attempt.actorId, actorRole: attempt.actorRole, details });
  // An address lock is about the network, not the account that happened to trip it.
  await ctx.tx.alert.createMany({ data: { kind: "lockout", actorId: isAddressKey(key) ? null : attempt.actorId, details } });
}

/** Counts the attempt on every key before it is checked; returns why it is refused, or null to go ahead. */
export async function reserveAttempt(ctx: ActorContext, keys: ThrottleKey[]): Promise<Refusal | null> {
  const states = await lockKeys(ctx.tx, keys);
  if (states.some((s) => s.locked)) return "locked";
  // Reservations still being checked already fill the budget: refuse without counting; the lock itself
  // follows from those checks' failures, so a burst of correct sign-ins from one network never locks it.
  if (states.some((s) => s.failures >= maxFailures(s.key))) return "attempts-in-flight";
  await ctx.tx.$executeRaw`UPDATE login_throttle SET failures = failures + 1 WHERE key = ANY(${keys})`;
  return null;
}

/** The checked attempt failed: its reservation stays counted; returns whether any key is now locked. */
export async function settleFailure(ctx: ActorContext, keys: ThrottleKey[], attempt: Attempt): Promise<boolean> {
  let locked = false;
  for (const state of await lockKeys(ctx.tx, keys)) {
    if (state.locked) locked = true;
    else if (state.failures >= maxFailures(state.key)) {
      await lockOut(ctx, state.key, attempt);
      locked = true;
    }
  }
  return locked;
}

/**
 * The checked attempt succeeded. Refused (false) if any key locked while it was being checked; otherwise
 * the account or user counter is cleared, and the address gets back only this attempt (one valid account
 * must not wipe a sprayer's failures on others).
 */
export async function settleSuccess(ctx: ActorContext, keys: ThrottleKey[]): Promise<boolean> {
  const states = await lockKeys(ctx.tx, keys);
  if (states.some((s) => s.locked)) return false;
  await ctx.tx.$executeRaw`UPDATE login_throttle
    SET failures = CASE WHEN key LIKE 'addr:%' THEN greatest(failures - 1, 0) ELSE 0 END
    WHERE key = ANY(${keys})`;
  return true;
}

export type ThrottledResult<T> = { outcome: "ok"; value: T } | { outcome: "refused"; reason: Refusal } | { outcome: "failed"; locked: boolean };

/**
 * For checks that cost microseconds (TOTP, recovery codes): reservation, check and settlement in the caller's
 * one transaction, so parallel codes for one user run one at a time under the row lock. `check` returns
 * null for a wrong code.
 */
export async function throttledCheck<T>(
  ctx: ActorContext,
  keys: ThrottleKey[],
  attempt: Attempt,
  check: () => Promise<T | null>,
): Promise<ThrottledResult<T>> {
  const refusal = await reserveAttempt(ctx, keys);
  if (refusal) return { outcome: "refused", reason: refusal };
  const value = await check();
  if (value === null) return { outcome: "failed", locked: await settleFailure(ctx, keys, attempt) };
  if (!(await settleSuccess(ctx, keys))) return { outcome: "refused", reason: "locked" };
  return { outcome: "ok", value };
}
