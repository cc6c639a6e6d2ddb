/**
 * `npm run worker`: the job runner as a process of its own (docs/decisions/0011-job-runner.md). server.ts
 * starts the same file as its child unless CUSTODIA_JOBS=0; any number may run against one database.
 * Needs the owner's connection (MIGRATION_DATABASE_URL, or DATABASE_URL) for pg-boss's own schema; the jobs
 * themselves work through the runtime connection as the signed system context.
 */
import { once } from "node:events";
import { config } from "@/lib/config";
import { disconnectPrisma } from "@/lib/db/client";
import { prepareDatabase } from "@/lib/db/prepare";
import { startJobRunner } from "@/lib/jobs/runner";
import { scheduledTasks } from "@/lib/jobs/tasks";
import { log } from "@/lib/ops/log";
import { withDatabase } from "./with-database";

// Started by server.ts, the runner has an IPC channel to it; its closing means the server is gone, however it
// died (even while this module's imports were loading, before anyone listened).
const serverGone = !process.send
  ? new Promise<never>(() => undefined)
  : process.connected ? once(process, "disconnect") : Promise.resolve();

await withDatabase(async (url) => {
  const ownerUrl = config().migrationDatabaseUrl ?? url;
  // Idempotent (an advisory lock, then nothing to apply): a worker started before any portal still finds
  // the tables and the context key its jobs need.
  await prepareDatabase(ownerUrl);
  const runner = await startJobRunner({ ownerUrl });
  log().info({ tasks: scheduledTasks.map((t) => `${t.name} (${t.cron} UTC)`) }, "job runner started");
  await Promise.race([once(process, "SIGTERM"), once(process, "SIGINT"), serverGone]);
  await runner.stop();
  await disconnectPrisma();
  log().info("job runner stopped");
  // The "disconnect" listener above keeps the IPC channel referenced: without this, a runner stopped by
  // SIGTERM never exits, and server.ts's graceful shutdown waits on it until it is killed.
  if (process.connected) process.disconnect();
});
