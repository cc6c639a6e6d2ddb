/**
 * `npm run backup:restore -- <id> --into <url> [--force]`: verifies the backup completely, then restores it into
 * the named (empty) database. --force allows the live database or a database with tables, after typing its name.
 * After restoring, run `npm run erasure:replay` against it before use: the dump still holds erased patients' keys.
 */
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { restoreBackup } from "@/lib/backup/restore";
import { disconnectPrisma } from "@/lib/db/client";
import { withDatabase } from "./with-database";
import { redactUrl } from "@/lib/db/urls";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { into: { type: "string" }, force: { type: "boolean", default: false } },
});
const [id] = positionals;

async function askName(url: string): Promise<string> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await prompt.question(`This replaces what ${redactUrl(url)} holds. Type the database name (${name}) to go on: `)).trim();
  } finally {
    prompt.close();
  }
}

try {
  // Without DATABASE_URL: the embedded database, opened here or reached through the running portal.
  await withDatabase(async () => {
    try {
      if (!id || !values.into) throw new Error("usage: npm run backup:restore -- <backup id> --into <postgresql url> [--force]");
      const confirm = values.force ? await askName(values.into) : undefined;
      const manifest = await restoreBackup({ id, into: values.into, force: values.force, confirm });
      console.log(`restored backup ${manifest.id} (${manifest.createdAt}, schema ${manifest.migrationVersion}) into ${redactUrl(values.into)}`);
      console.log("next: run `npm run erasure:replay` with DATABASE_URL set to that database before putting it to use");
    } finally {
      await disconnectPrisma();
    }
  });
} catch (error) {
  console.error(`restore refused: ${(error as Error).message}`);
  process.exitCode = 1;
}
