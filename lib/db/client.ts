import { PrismaPg } from "@prisma/adapter-pg";
import { config } from "@/lib/config";
import { PrismaClient } from "./generated/client";
import { assertDatabaseTransport } from "./transport";

// One client per process; kept on globalThis so Next's dev reloads don't open a new pool each time.
const holder = globalThis as unknown as { custodiaPrisma?: PrismaClient };

export function prisma(): PrismaClient {
  if (!holder.custodiaPrisma) {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set: start the portal through server.ts or set it explicitly");
    // node-postgres reads sslmode/sslrootcert from the URL itself; production accepts only verify-full.
    assertDatabaseTransport(url, config());
    const adapter = new PrismaPg({ connectionString: url, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
    holder.custodiaPrisma = new PrismaClient({ adapter });
  }
  return holder.custodiaPrisma;
}

export async function disconnectPrisma(): Promise<void> {
  await holder.custodiaPrisma?.$disconnect();
  holder.custodiaPrisma = undefined;
}
