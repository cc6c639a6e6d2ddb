import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, inject } from "vitest";
import { startEmbeddedPostgres } from "@/lib/db/embedded";
import { installContextKey } from "@/lib/db/context";
import { migrate } from "@/lib/db/migrate";
import { newKeyProvider } from "@/lib/crypto/keys";
import { quoteIdent, withDatabase } from "@/lib/db/urls";
import { RUNTIME_LOGIN_ROLE, testDatabaseName } from "./global";

/**
 * One isolated database per test file, in place before the file imports app code (lib/db reads
 * DATABASE_URL on first use): a clone of the migrated template on a real server, or a fresh in-memory PGlite.
 */
const testDb = inject("testDb");

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: testDb.server });
  client.on("error", () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Pooled app connections must close first: the teardown below would cut them and their pool would throw. */
async function disconnectApp(): Promise<void> {
  const { disconnectPrisma } = await import("@/lib/db/client");
  await disconnectPrisma();
}

/**
 * The app connects as production's does: on a server, as a login role that is only a member of custodia_app
 * (so a missing role switch or context would show), while migrations, the context key and the tests' own
 * inspection use the owner. The embedded database has a single user for both.
 */
function pointAppAt(ownerUrl: string): void {
  const runtime = new URL(ownerUrl);
  if (testDb.mode === "server") runtime.username = RUNTIME_LOGIN_ROLE;
  process.env.DATABASE_URL = runtime.toString();
  // The migrator and any script under test must reach this database too, never one from the outer environment.
  process.env.MIGRATION_DATABASE_URL = ownerUrl;
  // Files that live beside a database (signed checkpoints, erasure ledger) belong to this database alone;
  // a file shared with another database would contradict it. A test may still point them elsewhere.
  const own = mkdtempSync(join(tmpdir(), "custodia-test-files-"));
  process.env.CUSTODIA_CHECKPOINT_DIR ??= join(own, "checkpoints");
  process.env.CUSTODIA_ERASURE_LEDGER ??= join(own, "erasure-ledger.jsonl");
}

if (testDb.mode === "server") {
  const name = testDatabaseName();
  // Cloning a migrated template costs milliseconds; migrating from scratch would cost seconds per file.
  await admin(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(testDb.template)}`);
  pointAppAt(withDatabase(testDb.server, name));
  // The template is migrated without keys; each clone gets this run's context key. A fresh provider: a test
  // file may still point the process at keys of its own (it then installs their context key itself).
  await installContextKey(process.env.MIGRATION_DATABASE_URL!, newKeyProvider());
  afterAll(async () => {
    await disconnectApp();
    await admin(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  });
} else {
  const embedded = await startEmbeddedPostgres({ dataDir: "memory", port: 0 });
  await migrate(embedded.url);
  await installContextKey(embedded.url, newKeyProvider());
  pointAppAt(embedded.url);
  afterAll(async () => {
    await disconnectApp();
    await embedded.stop();
  });
}
