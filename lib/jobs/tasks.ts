import "server-only";
import type { RequestMeta } from "@/lib/access/actor";
import type { JsonValue } from "@/lib/audit/canonical";
import { sealAll } from "@/lib/audit/sealer";
import { verifyAuditLog } from "@/lib/audit/verify";
import { deliverAlerts } from "@/lib/alerts/delivery/outbox";
import { runAlertRules } from "@/lib/alerts/run";
import { createBackup } from "@/lib/backup/create";
import { runDrill } from "@/lib/backup/drill";
import { processDueErasures } from "@/lib/services/erasure";
import { syncLedgerFile } from "@/lib/services/erasure-ledger";
import { raiseOverdueIncidentAlerts } from "@/lib/services/incident-tasks";
import { raiseProcessorExpiryAlerts } from "@/lib/services/processors";
import { applyRetention } from "@/lib/services/retention";

/**
 * One scheduled job. `run` works as the signed `system` context (withSystem) and is audited there; what it
 * returns is kept in the job's history. It must be idempotent: a run killed half-way is run again from the
 * start (after `expireInMinutes`), and must then do only what is left.
 */
export interface ScheduledTask {
  /** Queue name: lower-case words and hyphens. */
  name: string;
  /** Five-field cron expression, in UTC. */
  cron: string;
  description: string;
  /** Further attempts after a failure, with exponential backoff from `retryDelaySeconds` (default 60). */
  retryLimit: number;
  retryDelaySeconds?: number;
  /** A run still going after this long is taken for dead and retried. */
  expireInMinutes: number;
  /** `now` is the run's time (tests pass another). */
  run(request: RequestMeta, now: Date): Promise<{ [key: string]: JsonValue }>;
}

/** Every scheduled job, one entry each (docs/decisions/0011-job-runner.md). */
export const scheduledTasks: ScheduledTask[] = [
  {
    name: "erasure-processing",
    cron: "0 2 * * *",
    description: "Erasures whose grace period has ended",
    retryLimit: 3,
    expireInMinutes: 30,
    run: async (request, now) => ({ executed: await processDueErasures(request, now) }),
  },
  {
    name: "retention-purge",
    cron: "30 2 * * *",
    description: "Removes data older than its retention period",
    retryLimit: 3,
    expireInMinutes: 30,
    run: async (request, now) => {
      const { removed, failed } = await applyRetention(request, now);
      // Failed purges are audited one by one; the run itself fails so the history shows it and it retries.
      if (failed.length > 0) throw new Error(`retention purge failed for ${failed.length} erased patient(s): ${failed.join(", ")}`);
      return removed;
    },
  },
  {
    name: "alert-rules",
    cron: "* * * * *",
    description: "Records schema changes and runs the detection rules (failed sign-ins, spraying, after hours, exports, integrity)",
    retryLimit: 2,
    retryDelaySeconds: 15,
    expireInMinutes: 5,
    run: async (_, now) => {
      const { raised, schemaChangesRecorded } = await runAlertRules(now);
      return { raised, schemaChangesRecorded };
    },
  },
  {
    name: "alert-delivery",
    cron: "* * * * *",
    description: "Sends due alerts to the SIEM (webhook, syslog), with retries and backoff",
    retryLimit: 2,
    retryDelaySeconds: 15,
    expireInMinutes: 5,
    run: async (_, now) => ({ ...(await deliverAlerts(now)) }),
  },
  {
    name: "incident-overdue",
    cron: "*/15 * * * *",
    description: "Alerts on breach notices past their deadline (GDPR 72 hours, HIPAA 60 days)",
    retryLimit: 2,
    expireInMinutes: 10,
    run: async (_, now) => ({ raised: await raiseOverdueIncidentAlerts(now) }),
  },
  {
    name: "processor-expiry",
    cron: "0 6 * * *",
    description: "Alerts on processor agreements (BAA/DPA) ending within 30 days or ended",
    retryLimit: 3,
    expireInMinutes: 10,
    run: async (_, now) => ({ raised: (await raiseProcessorExpiryAlerts(now)).length }),
  },
  {
    name: "backup",
    cron: "0 3 * * *",
    description: "Encrypted database backup and key backup into BACKUP_DIR, then retention (daily, monthly, key window)",
    retryLimit: 2,
    retryDelaySeconds: 300,
    expireInMinutes: 120,
    run: async (request, now): Promise<{ [key: string]: JsonValue }> => {
      const manifest = await createBackup(now, request);
      return { id: manifest.id, bytes: manifest.size, keys: manifest.keys?.count ?? 0 };
    },
  },
  {
    name: "backup-drill",
    cron: "0 5 * * 0",
    description: "Restores the newest backup into a scratch database and checks it (weekly)",
    retryLimit: 1,
    expireInMinutes: 120,
    run: async (request): Promise<{ [key: string]: JsonValue }> => {
      const report = await runDrill({ request });
      // A failed drill fails the run, so the job history shows it and the administrator's page does too.
      if (!report.ok) throw new Error(`drill of backup ${report.backupId} failed: ${report.checks.filter((c) => !c.ok).map((c) => c.name).join(", ")}`);
      return { backup: report.backupId, checks: report.checks.length };
    },
  },
  {
    name: "erasure-ledger-sync",
    cron: "*/15 * * * *",
    description: "Writes the erasure ledger file from the database's ledger until they match",
    retryLimit: 3,
    expireInMinutes: 10,
    run: async (request) => ({ added: await syncLedgerFile(request) }),
  },
  {
    name: "audit-verify",
    cron: "0 4 * * *",
    description: "Verifies the whole audit chain and its signed checkpoints",
    retryLimit: 1,
    expireInMinutes: 60,
    run: async (request) => {
      await sealAll();
      const result = await verifyAuditLog({ request });
      if (!result.ok) throw new Error(`audit chain broken at position ${result.firstBadSeq}: ${result.kind}`);
      return { events: result.events };
    },
  },
];
