import { noRequest } from "@/lib/access/actor";
import { config } from "@/lib/config";
import { withSystem } from "@/lib/db/transaction";
import type { AlertPayload, SendResult } from "./payload";
import { sendSyslog } from "./syslog";
import { sendWebhook } from "./webhook";

export type Target = "webhook" | "syslog";

/** How long a claimed row is left to its sender before another run may send it again (at least once). */
const LEASE_MS = 60_000;
const BATCH = 50;
const MAX_BACKOFF_MS = 60 * 60 * 1000;

/** Wait before attempt n + 1 after n failed attempts: base × 2^(n-1), at most an hour. */
export function backoffMs(failedAttempts: number, baseSeconds: number): number {
  return Math.min(baseSeconds * 1000 * 2 ** Math.max(failedAttempts - 1, 0), MAX_BACKOFF_MS);
}

export interface DeliveryRun {
  delivered: number;
  retrying: number;
  failed: number;
}

interface Claimed {
  alert_id: string;
  target: Target;
  attempts: number;
  kind: string;
  rule: string | null;
  severity: AlertPayload["severity"];
  created_at: Date;
  actor_id: string | null;
  patient_pseudonym: string | null;
  details: AlertPayload["details"];
  evidence: string[];
}

function configuredTargets(): Target[] {
  const { siem } = config();
  return [siem.webhook && "webhook", siem.syslog && "syslog"].filter((t): t is Target => Boolean(t));
}

function send(row: Claimed, now: Date): Promise<SendResult> {
  const { siem } = config();
  const payload: AlertPayload = {
    id: row.alert_id, kind: row.kind, rule: row.rule, severity: row.severity, createdAt: row.created_at.toISOString(),
    actorId: row.actor_id, patientPseudonym: row.patient_pseudonym, details: row.details, evidence: row.evidence, source: "custodia",
  };
  return row.target === "webhook" ? sendWebhook(siem.webhook!, payload, now) : sendSyslog(siem.syslog!, payload);
}

/**
 * The "webhook delivery" job (lib/jobs/tasks.ts), as the signed system context. Three short transactions
 * around the network, never holding a lock while waiting on the SIEM:
 * 1. every alert gets an outbox row per configured target (ON CONFLICT: once);
 * 2. due rows are claimed with SKIP LOCKED (two instances never claim the same row) and leased: the attempt
 *    is counted and the row is not due again until the lease runs out, so a sender killed mid-send is
 *    retried by a later run, with the same idempotency key;
 * 3. each result is settled: delivered, or retried after exponential backoff, or failed after the last
 *    attempt. Each attempt is audited.
 */
export async function deliverAlerts(now: Date = new Date()): Promise<DeliveryRun> {
  const targets = configuredTargets();
  const run: DeliveryRun = { delivered: 0, retrying: 0, failed: 0 };
  if (targets.length === 0) return run;
  const { maxAttempts, retryBaseSeconds } = config().siem;
  const claimed = await withSystem(noRequest, async ({ tx }) => {
    await tx.$executeRaw`
      INSERT INTO alert_delivery (alert_id, target, next_attempt_at)
      SELECT a.id, t.target, ${now}::timestamptz FROM alert a CROSS JOIN unnest(${targets}::text[]) AS t(target)
      WHERE NOT EXISTS (SELECT 1 FROM alert_delivery d WHERE d.alert_id = a.id AND d.target = t.target)
      ON CONFLICT DO NOTHING`;
    return tx.$queryRaw<Claimed[]>`
      WITH due AS (
        SELECT alert_id, target FROM alert_delivery
        WHERE status = 'pending' AND next_attempt_at <= ${now}::timestamptz AND target = ANY(${targets}::text[])
        ORDER BY next_attempt_at LIMIT ${BATCH} FOR UPDATE SKIP LOCKED
      ), leased AS (
        UPDATE alert_delivery d SET attempts = d.attempts + 1, last_attempt_at = ${now}::timestamptz,
          next_attempt_at = ${new Date(now.getTime() + LEASE_MS)}::timestamptz
        FROM due WHERE d.alert_id = due.alert_id AND d.target = due.target
        RETURNING d.alert_id, d.target, d.attempts
      )
      SELECT l.alert_id::text, l.target, l.attempts, a.kind, a.rule, a.severity, a.created_at, a.actor_id::text,
        a.patient_pseudonym, a.details, a.evidence::text[] AS evidence
      FROM leased l JOIN alert a ON a.id = l.alert_id`;
  });
  for (const row of claimed) {
    const result = await send(row, now);
    const finalAttempt = row.attempts >= maxAttempts;
    const status = result.ok ? "delivered" : finalAttempt ? "failed" : "pending";
    const next = new Date(now.getTime() + backoffMs(row.attempts, retryBaseSeconds));
    await withSystem(noRequest, async ({ tx, audit }) => {
      // Only the lease this run took: a later run that re-leased the row after a slow send settles its own.
      const settled = await tx.$executeRaw`
        UPDATE alert_delivery SET status = ${status}, last_error = ${result.error ?? null},
          delivered_at = ${result.ok ? now : null}::timestamptz, next_attempt_at = ${next}::timestamptz
        WHERE alert_id = ${row.alert_id}::uuid AND target = ${row.target} AND attempts = ${row.attempts} AND status = 'pending'`;
      if (settled === 0) return;
      audit({
        action: "alert.deliver",
        outcome: result.ok ? "allowed" : "error",
        resourceType: "alert",
        resourceId: row.alert_id,
        details: { target: row.target, attempt: row.attempts, status, ...(result.error ? { error: result.error } : {}) },
      });
    });
    run[status === "delivered" ? "delivered" : status === "failed" ? "failed" : "retrying"] += 1;
  }
  return run;
}
