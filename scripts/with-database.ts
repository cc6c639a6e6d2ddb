import { config } from "@/lib/config";
import { startEmbeddedPostgres } from "@/lib/db/embedded";
import { migrate } from "@/lib/db/migrate";

/** CLI scripts use DATABASE_URL, or open the embedded database themselves (the portal must not be running on it). */
export async function withDatabase(work: () => Promise<void>): Promise<void> {
  if (config().databaseUrl) return work();
  const embedded = await startEmbeddedPostgres({});
  process.env.DATABASE_URL = embedded.url;
  try {
    await migrate(embedded.url);
    await work();
  } finally {
    await embedded.stop();
  }
}
