/** `npm run db:migrate`: applies prisma/migrations to MIGRATION_DATABASE_URL, DATABASE_URL, or the embedded database. */
import { config } from "@/lib/config";
import { migrate } from "@/lib/db/migrate";
import { withDatabase } from "./with-database";

await withDatabase(async () => {
  const url = config().migrationDatabaseUrl ?? process.env.DATABASE_URL!;
  const { applied } = await migrate(url, { log: console.log });
  console.log(applied.length === 0 ? "database is up to date" : `applied ${applied.length} migration(s)`);
});
