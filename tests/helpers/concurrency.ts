import { generate } from "otplib";
import { adminQuery, isEmbedded, withAdminClient } from "./db";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Fires `n` attempts at once, each through the services in its own transactions. On a real server the
 * counter row `key` is held first, so the burst piles up on that row lock (as a burst from many clients
 * does) before it is let go; the embedded database runs transactions one at a time in arrival order.
 */
export async function burst<T>(key: string, n: number, attempt: (i: number) => Promise<T>): Promise<PromiseSettledResult<T>[]> {
  if (isEmbedded()) return Promise.allSettled(Array.from({ length: n }, (_, i) => attempt(i)));
  return withAdminClient(async (admin) => {
    await admin.query("BEGIN");
    await admin.query("INSERT INTO login_throttle AS t (key) VALUES ($1) ON CONFLICT (key) DO UPDATE SET failures = t.failures", [key]);
    const all = Promise.allSettled(Array.from({ length: n }, (_, i) => attempt(i)));
    // As many as the app's connection pool lets through at once (lib/db/client.ts) wait on the row.
    await untilLockWaiters(Math.min(n, Number(process.env.DATABASE_POOL_SIZE ?? 10)));
    await admin.query("COMMIT");
    return all;
  });
}

/** Until `n` sessions of the test database wait on a lock (at most 15 s: then the caller's assertions tell). */
export async function untilLockWaiters(n: number): Promise<void> {
  for (let waited = 0; waited < 15_000; waited += 25) {
    const [row] = await adminQuery<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
    );
    if (row!.n >= n) return;
    await sleep(25);
  }
}

/**
 * Runs `attempts` in parallel while an outside client's open transaction holds what `lockSql` locks (a row
 * FOR UPDATE, or an uncommitted row with the same unique key): plain reads do not wait, so every attempt reads
 * first and then queues on its write; the hold ends (`end`) once all of them wait. This is an interleaving
 * parallel requests get by chance; the hold only makes it certain. The embedded database runs transactions one
 * at a time, so there the attempts simply run in arrival order.
 */
export async function held<T>(
  lockSql: string,
  params: unknown[],
  attempts: (() => Promise<T>)[],
  end: "COMMIT" | "ROLLBACK" = "COMMIT",
): Promise<PromiseSettledResult<T>[]> {
  if (isEmbedded()) return Promise.allSettled(attempts.map((a) => a()));
  return withAdminClient(async (client) => {
    await client.query("BEGIN");
    await client.query(lockSql, params);
    const all = Promise.allSettled(attempts.map((a) => a()));
    await untilLockWaiters(attempts.length);
    await client.query(end);
    return all;
  });
}

/** Six-digit codes that are neither the current nor the previous time step's code of `secret`. */
export async function wrongCodes(secret: string, count: number): Promise<string[]> {
  const now = Math.floor(Date.now() / 1000);
  const valid = new Set([await generate({ secret, epoch: now }), await generate({ secret, epoch: now - 30 }), await generate({ secret, epoch: now + 30 })]);
  const codes: string[] = [];
  for (let i = 0; codes.length < count; i++) {
    const code = String(100_000 + i * 7919);
    if (!valid.has(code)) codes.push(code);
  }
  return codes;
}

export async function lockoutAlerts(): Promise<{ actor_id: string | null; details: Record<string, unknown> }[]> {
  return adminQuery("SELECT actor_id, details FROM alert WHERE kind = 'lockout' ORDER BY created_at");
}

export async function isKeyLocked(key: string): Promise<boolean> {
  const rows = await adminQuery<{ locked: boolean }>("SELECT coalesce(locked_until > now(), false) AS locked FROM login_throttle WHERE key = $1", [key]);
  return rows[0]?.locked ?? false;
}
