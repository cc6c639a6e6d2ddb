import { config, setDatabaseUrl } from "@/lib/config";
import { EmbeddedDatabaseInUse, startEmbeddedPostgres } from "@/lib/db/embedded";
import { prepareDatabase } from "@/lib/db/prepare";

/**
 * CLI scripts use DATABASE_URL; without it, the embedded database: opened here (and migrated), or, when a
 * running portal already serves it, reached through that portal's server (two processes must never open the
 * same PGlite files).
 */
export async function withDatabase(work: (url: string) => Promise<void>): Promise<void> {
  const configured = config().databaseUrl;
  if (configured) return work(configured);
  let embedded;
  try {
    embedded = await startEmbeddedPostgres({ port: 0 });
  } catch (error) {
    if (!(error instanceof EmbeddedDatabaseInUse) || !error.url) throw error;
    setDatabaseUrl(error.url);
    return work(error.url);
  }
  setDatabaseUrl(embedded.url);
  try {
    await prepareDatabase(embedded.url, { log: console.log });
    await work(embedded.url);
  } finally {
    await embedded.stop();
  }
}
