import { config } from "@/lib/config";
import type { Tx } from "@/lib/db/transaction";

/**
 * Failed-attempt counters per account and per client address, kept in PostgreSQL so a lockout survives a
 * restart and holds across every app instance. Keys never contain an email: accounts are keyed by their
 * blind index.
 */
export type ThrottleKey = `acct:${string}` | `addr:${string}`;

export function throttleKeys(emailBidx: string, ip: string | null): ThrottleKey[] {
  return ip ? [`acct:${emailBidx}`, `addr:${ip}`] : [`acct:${emailBidx}`];
}

export async function isLocked(tx: Tx, keys: ThrottleKey[]): Promise<boolean> {
  const rows = await tx.$queryRaw<{ n: bigint }[]>`
    SELECT count(*) AS n FROM login_throttle WHERE key = ANY(${keys}) AND locked_until > now()`;
  return (rows[0]?.n ?? 0n) > 0n;
}

/** Counts one failure on each key; returns the keys that became locked by it. */
export async function registerFailure(tx: Tx, keys: ThrottleKey[]): Promise<ThrottleKey[]> {
  const { lockout } = config();
  const newlyLocked: ThrottleKey[] = [];
  for (const key of keys) {
    const max = key.startsWith("acct:") ? lockout.accountMaxFailures : lockout.addressMaxFailures;
    const rows = await tx.$queryRaw<{ locked: boolean }[]>`
      INSERT INTO login_throttle AS t (key, failures, window_started_at)
      VALUES (${key}, 1, now())
      ON CONFLICT (key) DO UPDATE SET
        failures = CASE WHEN t.window_started_at < now() - make_interval(secs => ${lockout.windowSeconds})
                        THEN 1 ELSE t.failures + 1 END,
        window_started_at = CASE WHEN t.window_started_at < now() - make_interval(secs => ${lockout.windowSeconds})
                        THEN now() ELSE t.window_started_at END
      RETURNING failures >= ${max} AND (locked_until IS NULL OR locked_until <= now()) AS locked`;
    if (rows[0]?.locked) {
      await tx.$executeRaw`UPDATE login_throttle
        SET locked_until = now() + make_interval(secs => ${lockout.lockSeconds}), failures = 0, window_started_at = now()
        WHERE key = ${key}`;
      newlyLocked.push(key);
    }
  }
  return newlyLocked;
}

export async function clearFailures(tx: Tx, key: ThrottleKey): Promise<void> {
  await tx.$executeRaw`DELETE FROM login_throttle WHERE key = ${key} AND (locked_until IS NULL OR locked_until <= now())`;
}
