import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { config } from "@/lib/config";

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

/**
 * The default database when DATABASE_URL is unset: PGlite (PostgreSQL compiled to WASM) in this process,
 * served over the PostgreSQL wire protocol so the app, the migrator and Prisma connect exactly as they would
 * to a real server. Data lives in a git-ignored folder, or in memory for tests.
 */
export async function startEmbeddedPostgres(
  options: { dataDir?: string | "memory"; port?: number } = {},
): Promise<EmbeddedPostgres> {
  const dataDir = options.dataDir ?? join(config().dataDir, "pglite");
  if (dataDir !== "memory") mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir === "memory" ? undefined : dataDir);
  const port = options.port ?? Number(process.env.CUSTODIA_EMBEDDED_PORT ?? 54329);
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port, maxConnections: 32 });
  await server.start();
  const actualPort = Number(server.getServerConn().split(":").pop());
  return {
    url: `postgresql://postgres@127.0.0.1:${actualPort}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
