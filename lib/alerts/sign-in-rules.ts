import type { Config } from "@/lib/config";
import type { Tx } from "@/lib/db/transaction";
import { EVIDENCE_LIMIT, windowStart, type AlertDraft } from "./raise";

interface Burst {
  subject: string;
  window_start: Date;
  failures: number;
  accounts: number;
  evidence: string[];
}

/**
 * Denied sign-ins (wrong password, unknown account, refused while locked) grouped by subject and fixed
 * window, over the window holding `now` and the one before, so a run that comes late still sees a burst
 * whole. The subject is the account (actor_id: the account tried) or the client address.
 */
async function bursts(tx: Tx, subject: "actor_id" | "ip", now: Date, windowSeconds: number): Promise<Burst[]> {
  const from = new Date(windowStart(now, windowSeconds).getTime() - windowSeconds * 1000);
  return tx.$queryRawUnsafe<Burst[]>(
    `SELECT ${subject}::text AS subject,
       to_timestamp(floor(extract(epoch FROM occurred_at) / $1::float8) * $1::float8) AS window_start,
       count(*)::int AS failures, count(DISTINCT actor_id)::int AS accounts,
       (array_agg(seq ORDER BY seq))[1:${EVIDENCE_LIMIT}]::text[] AS evidence
     FROM audit_event
     WHERE action = 'auth.sign_in' AND outcome = 'denied' AND ${subject} IS NOT NULL
       AND occurred_at >= $2::timestamptz AND occurred_at <= $3::timestamptz
     GROUP BY 1, 2`,
    windowSeconds, from, now,
  );
}

const key = (rule: string, subject: string, start: Date) => `${rule}:${subject}:${start.toISOString()}`;

/** Failed sign-ins on one account over the threshold within one window. */
export async function failedSignInsPerAccount(tx: Tx, now: Date, cfg: Config["alertRules"]): Promise<AlertDraft[]> {
  const rule = "failed-sign-ins-account";
  return (await bursts(tx, "actor_id", now, cfg.signInWindowSeconds))
    .filter((b) => b.failures >= cfg.failedSignInsPerAccount)
    .map((b) => ({
      kind: "failed_sign_ins", rule, severity: "medium", windowKey: key(rule, b.subject, b.window_start), actorId: b.subject,
      details: { failures: b.failures, threshold: cfg.failedSignInsPerAccount, windowStart: b.window_start.toISOString(), windowSeconds: cfg.signInWindowSeconds },
      evidence: b.evidence,
    }));
}

/** Failed sign-ins from one client address over the threshold within one window, whatever the accounts. */
export async function failedSignInsPerAddress(tx: Tx, now: Date, cfg: Config["alertRules"]): Promise<AlertDraft[]> {
  const rule = "failed-sign-ins-address";
  return (await bursts(tx, "ip", now, cfg.signInWindowSeconds))
    .filter((b) => b.failures >= cfg.failedSignInsPerAddress)
    .map((b) => ({
      kind: "failed_sign_ins", rule, severity: "medium", windowKey: key(rule, b.subject, b.window_start),
      details: { address: b.subject, failures: b.failures, threshold: cfg.failedSignInsPerAddress, windowStart: b.window_start.toISOString(), windowSeconds: cfg.signInWindowSeconds },
      evidence: b.evidence,
    }));
}

/**
 * Password spraying: one address failing against many different accounts in one window (few guesses per
 * account, so no account lockout trips). Counts accounts that exist; guesses at unknown e-mail addresses
 * carry no account id and count only toward the per-address rule.
 */
export async function passwordSpraying(tx: Tx, now: Date, cfg: Config["alertRules"]): Promise<AlertDraft[]> {
  const rule = "password-spraying";
  return (await bursts(tx, "ip", now, cfg.signInWindowSeconds))
    .filter((b) => b.accounts >= cfg.sprayAccounts)
    .map((b) => ({
      kind: "password_spraying", rule, severity: "high", windowKey: key(rule, b.subject, b.window_start),
      details: { address: b.subject, accounts: b.accounts, failures: b.failures, threshold: cfg.sprayAccounts, windowStart: b.window_start.toISOString(), windowSeconds: cfg.signInWindowSeconds },
      evidence: b.evidence,
    }));
}
