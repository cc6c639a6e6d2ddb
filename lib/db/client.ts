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
    const adapter = new PrismaPg(pool, { disposeExternalPool: true });
    holder.custodiaPool = pool;
    holder.custodiaPrisma = new PrismaClient({ adapter });
  }
  return holder.custodiaPrisma;
}

/** The pool's occupancy, for the metrics; null before the first query opened it. */
export function poolStats(): { total: number; idle: number; waiting: number } | null {
  const pool = holder.custodiaPool;
  return pool ? { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount } : null;
}

export async function disconnectPrisma(): Promise<void> {
  await holder.custodiaPrisma?.$disconnect();
  holder.custodiaPrisma = undefined;
  holder.custodiaPool = undefined;
}
