import { noRequest } from "@/lib/access/actor";
import { config, type Config } from "@/lib/config";
import { withSystem, type Tx } from "@/lib/db/transaction";
import { log } from "@/lib/ops/log";
import { afterHoursAccess, exportVolume } from "./access-rules";
import { auditIntegrityFailures } from "./integrity";
import { raiseAlert, type AlertDraft } from "./raise";
import { recordSchemaChanges, schemaChanges, schemaMonitorOff } from "./schema-changes";
import { failedSignInsPerAccount, failedSignInsPerAddress, passwordSpraying } from "./sign-in-rules";

// No "server-only" here or in the rules: the job runner loads them in server.ts, outside react-server.
type Rule = (tx: Tx, now: Date, cfg: Config["alertRules"]) => Promise<AlertDraft[]>;

/**
 * The detection rules, each reading the audit log. Lockouts, break-glass use, bulk access and privilege
 * changes are raised where they happen (lib/auth/throttle.ts, lib/services/break-glass.ts,
 * patient-access.ts, staff-accounts.ts, invitations.ts, admin-bootstrap.ts), not here.
 */
export const RULES: Record<string, Rule> = {
  "failed-sign-ins-account": failedSignInsPerAccount,
  "failed-sign-ins-address": failedSignInsPerAddress,
  "password-spraying": passwordSpraying,
  "after-hours-access": afterHoursAccess,
  "export-volume": exportVolume,
  "schema-change": schemaChanges,
  "schema-monitor": schemaMonitorOff,
  "audit-integrity": auditIntegrityFailures,
};

export interface RulesRun {
  /** New alerts per rule (0 when the window already had its alert). */
  raised: Record<string, number>;
  schemaChangesRecorded: number;
}

/**
 * The "alert rules" job (every minute, lib/jobs/tasks.ts): first turns recorded DDL into audit events, then
 * runs each rule in its own system transaction, so one failing rule neither blocks nor undoes the others.
 * Safe to run twice or on two instances at once: each alert's window key is unique. Throws after all rules
 * ran if any failed, so the job runner records the failure and retries.
 */
export async function runAlertRules(now: Date = new Date()): Promise<RulesRun> {
  const cfg = config().alertRules;
  const schemaChangesRecorded = await withSystem(noRequest, (ctx) => recordSchemaChanges(ctx));
  const raised: Record<string, number> = {};
  const failures: unknown[] = [];
  for (const [name, rule] of Object.entries(RULES)) {
    try {
      raised[name] = await withSystem(noRequest, async (ctx) => {
        let count = 0;
        for (const draft of await rule(ctx.tx, now, cfg)) if (await raiseAlert(ctx, draft)) count += 1;
        return count;
      });
    } catch (error) {
      log().error({ err: error, rule: name }, "alert rule failed");
      failures.push(error);
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, `${failures.length} alert rule(s) failed`);
  return { raised, schemaChangesRecorded };
}
