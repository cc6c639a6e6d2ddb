import type { Config } from "@/lib/config";
import type { Tx } from "@/lib/db/transaction";
import { isAfterHours, localTime } from "./clinic-hours";
import { EVIDENCE_LIMIT, windowStart, type AlertDraft } from "./raise";

/** A day and a bit: a late run still sees the whole of the previous local night. */
const AFTER_HOURS_LOOKBACK_MS = 26 * 60 * 60 * 1000;

/**
 * After-hours PHI access: a clinician's allowed event about a patient (it carries the patient's pseudonym:
 * a chart read, a record written, a search hit) outside the clinic's hours in its time zone. One alert per
 * clinician and local date; the time zone's rules (Intl) decide the local time, so a daylight-saving change
 * moves the opening with the wall clock.
 */
export async function afterHoursAccess(tx: Tx, now: Date, cfg: Config["alertRules"]): Promise<AlertDraft[]> {
  const rule = "after-hours-access";
  const hours = cfg.clinicHours;
  const events = await tx.$queryRaw<{ seq: string; actor_id: string; occurred_at: Date }[]>`
    SELECT seq::text, actor_id::text, occurred_at FROM audit_event
    WHERE actor_role = 'clinician' AND actor_id IS NOT NULL AND patient_pseudonym IS NOT NULL AND outcome = 'allowed'
      AND occurred_at > ${new Date(now.getTime() - AFTER_HOURS_LOOKBACK_MS)}::timestamptz AND occurred_at <= ${now}::timestamptz
    ORDER BY seq`;
  const nights = new Map<string, { actorId: string; date: string; evidence: string[]; first: Date; count: number }>();
  for (const event of events) {
    if (!isAfterHours(event.occurred_at, hours)) continue;
    const date = localTime(event.occurred_at, hours.timeZone).date;
    const id = `${event.actor_id}:${date}`;
    const night = nights.get(id) ?? { actorId: event.actor_id, date, evidence: [], first: event.occurred_at, count: 0 };
    night.count += 1;
    if (night.evidence.length < EVIDENCE_LIMIT) night.evidence.push(event.seq);
    nights.set(id, night);
  }
  return [...nights.values()].map((n) => ({
    kind: "after_hours_access", rule, severity: "medium", windowKey: `${rule}:${n.actorId}:${n.date}`, actorId: n.actorId,
    details: {
      localDate: n.date, events: n.count, firstAt: n.first.toISOString(), timeZone: hours.timeZone,
      clinicHours: `${clock(hours.openMinute)}-${clock(hours.closeMinute)}`,
    },
    evidence: n.evidence,
  }));
}

const clock = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;

/** Every action that takes data out in bulk: a patient's own record, the audit log, a research dataset. */
export const EXPORT_ACTIONS = ["self.export", "audit.export", "audit.checkpoints_export", "research.dataset"];

/** Unusual export volume: one actor's allowed exports in one window at or over the threshold. */
export async function exportVolume(tx: Tx, now: Date, cfg: Config["alertRules"]): Promise<AlertDraft[]> {
  const rule = "export-volume";
  const seconds = cfg.exportWindowSeconds;
  const from = new Date(windowStart(now, seconds).getTime() - seconds * 1000);
  const rows = await tx.$queryRaw<{ actor_id: string; window_start: Date; exports: number; evidence: string[] }[]>`
    SELECT actor_id::text, to_timestamp(floor(extract(epoch FROM occurred_at) / ${seconds}::float8) * ${seconds}::float8) AS window_start,
      count(*)::int AS exports, (array_agg(seq ORDER BY seq))[1:${EVIDENCE_LIMIT}::int]::text[] AS evidence
    FROM audit_event
    WHERE action = ANY(${EXPORT_ACTIONS}::text[]) AND outcome = 'allowed' AND actor_id IS NOT NULL
      AND occurred_at >= ${from}::timestamptz AND occurred_at <= ${now}::timestamptz
    GROUP BY 1, 2
    HAVING count(*) >= ${cfg.exportsPerWindow}::int`;
  return rows.map((r) => ({
    kind: "export_volume", rule, severity: "high", windowKey: `${rule}:${r.actor_id}:${r.window_start.toISOString()}`, actorId: r.actor_id,
    details: { exports: r.exports, threshold: cfg.exportsPerWindow, windowStart: r.window_start.toISOString(), windowSeconds: seconds },
    evidence: r.evidence,
  }));
}
