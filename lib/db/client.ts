import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { config } from "@/lib/config";
import { PrismaClient } from "./generated/client";
import { assertDatabaseTransport } from "./transport";

// One client per process; kept on globalThis so Next's dev reloads don't open a new pool each time.
const holder = globalThis as unknown as { custodiaPrisma?: PrismaClient; custodiaPool?: pg.Pool };

export function prisma(): PrismaClient {
  if (!holder.custodiaPrisma) {
    const cfg = config();
    const url = cfg.databaseUrl;
    if (!url) throw new Error("DATABASE_URL is not set: start the portal through server.ts or set it explicitly");
    // node-postgres reads sslmode/sslrootcert from the URL itself; production accepts only verify-full.
    assertDatabaseTransport(url, cfg);
    // Our own pool, handed to the adapter, so the metrics can see how many queries wait for a connection.
    const pool = new pg.Pool({ connectionString: url, max: cfg.databasePoolSize });
    // An idle connection the server dropped is replaced at the next checkout; unhandled, the event would end the
    // process, and recordEvents may use the pool before Prisma attaches its own listener.
    pool.on("error", () => undefined);
    const adapter = new PrismaPg(pool, { disposeExternalPool: true });
    holder.custodiaPool = pool;
    holder.custodiaPrisma = new PrismaClient({ adapter });
  }
  return holder.custodiaPrisma;
}

/**
 * The pool Prisma runs on, for the few hot paths where Prisma's own cost dominates (pg-transaction.ts, and
 * recordEvents in transaction.ts): same connections, same limits, same transport checks.
 */
export function pgPool(): pg.Pool {
  prisma();
  return holder.custodiaPool!;
}

/** The pool's occupancy, for the metrics; null before the first query opened it. */
export function poolStats(): { total: number; idle: number; waiting: number } | null {
  const pool = holder.custodiaPool;
  return pool ? { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount } : null;
}

export async function disconnectPrisma(): Promise<void> {
  const pool = holder.custodiaPool;
  await holder.custodiaPrisma?.$disconnect();
  // Prisma ends the pool only if it ever connected; recordEvents alone may have used it.
  if (pool && !pool.ended) await pool.end();
  holder.custodiaPrisma = undefined;
  holder.custodiaPool = undefined;
}
