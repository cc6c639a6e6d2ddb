import { adminQuery, isEmbedded, withAdminClient } from "../helpers/db";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `attempts` in parallel while an outside client's open transaction holds what `lockSql` locks (a row
 * FOR UPDATE, or an uncommitted row with the same unique key): plain reads do not wait, so every attempt reads
 * first and then queues on its write; the hold ends (`end`) once `waiters` of them wait. This is an
 * interleaving parallel requests get by chance; the hold only makes it certain.
 */
export async function held<T>(
  lockSql: string,
  params: unknown[],
  attempts: (() => Promise<T>)[],
  end: "COMMIT" | "ROLLBACK" = "COMMIT",
  waiters = attempts.length,
): Promise<PromiseSettledResult<T>[]> {
  if (isEmbedded()) return Promise.allSettled(attempts.map((a) => a()));
  return withAdminClient(async (client) => {
    await client.query("BEGIN");
    await client.query(lockSql, params);
    const all = Promise.allSettled(attempts.map((a) => a()));
    for (let waited = 0; waited < 15_000; waited += 25) {
      const [row] = await adminQuery<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
      );
      if (row!.n >= waiters) break;
      await sleep(25);
    }
    await client.query(end);
    return all;
  });
}
