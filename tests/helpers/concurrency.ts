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
    const expected = Math.min(n, Number(process.env.DATABASE_POOL_SIZE ?? 10));
    for (let waited = 0; waited < 15_000; waited += 25) {
      const [row] = await adminQuery<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
      );
      if (row!.n >= expected) break;
      await sleep(25);
    }
    await admin.query("COMMIT");
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
