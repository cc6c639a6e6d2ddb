/** `npm run db:migrate`: applies prisma/migrations to MIGRATION_DATABASE_URL, DATABASE_URL, or the embedded database. */
import { config } from "@/lib/config";
import { prepareDatabase } from "@/lib/db/prepare";
import { redactUrl } from "@/lib/db/urls";
import { withDatabase } from "./with-database";

await withDatabase(async (url) => {
  const target = config().migrationDatabaseUrl ?? url;
  console.log(`migrating ${redactUrl(target)}`);
  const { applied } = await prepareDatabase(target, { log: console.log });
  console.log(applied.length ? `${applied.length} migration(s) applied` : "database is up to date; nothing to apply");
});
