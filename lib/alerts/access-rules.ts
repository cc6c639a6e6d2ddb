import type { Config } from "@/lib/config";
import type { Tx } from "@/lib/db/transaction";
import { isTimeZone } from "@/lib/validation/time-zone";
import { isAfterHours, localTime, parseClinicDays, parseClinicHours, type ClinicHours } from "./clinic-hours";
import { EVIDENCE_LIMIT, windowStart, type AlertDraft } from "./raise";

/** A day and a bit: a late run still sees the whole of the previous local night. */
const AFTER_HOURS_LOOKBACK_MS = 26 * 60 * 60 * 1000;

/**
 * The schedules that apply to each clinician: their care teams' own clinic hours (migration 0039), else the
 * global one. The clinician's teams, not the patient's: the rule watches when a person works (one alert per
 * clinician and night), the hours say when that team's staff are on duty, and an audit event names the patient
 * only by pseudonym, which the database cannot map back to a team. A clinician in several teams is inside
 * hours when any of their teams is open. A row that does not parse (written around the form) is ignored.
 */
async function schedulesOf(tx: Tx, actorIds: string[], fallback: ClinicHours): Promise<Map<string, ClinicHours[]>> {
  const rows = actorIds.length === 0 ? [] : await tx.$queryRaw<{ actor_id: string; clinic_hours: string; clinic_days: string; clinic_time_zone: string }[]>`
    SELECT m.user_id::text AS actor_id, t.clinic_hours, t.clinic_days, t.clinic_time_zone
    FROM care_team_member m JOIN care_team t ON t.id = m.team_id
    WHERE t.clinic_hours IS NOT NULL AND m.user_id = ANY(${actorIds}::uuid[])
    ORDER BY t.name`;
  const schedules = new Map<string, ClinicHours[]>();
  for (const r of rows) {
    const hours = parseClinicHours(r.clinic_hours);
    const days = parseClinicDays(r.clinic_days);
    if (!hours || !days || !isTimeZone(r.clinic_time_zone)) continue;
    schedules.set(r.actor_id, [...(schedules.get(r.actor_id) ?? []), { ...hours, days, timeZone: r.clinic_time_zone }]);
  }
  for (const id of actorIds) if (!schedules.has(id)) schedules.set(id, [fallback]);
  return schedules;
}

/**
 * After-hours PHI access: a clinician's allowed event about a patient (it carries the patient's pseudonym:
 * a chart read, a record written, a search hit) outside the clinic's hours in its time zone: the hours of the
 * clinician's care teams where set, else the global ones (schedulesOf). One alert per clinician and local
 * date; the time zone's rules (Intl) decide the local time, so a daylight-saving change moves the opening
 * with the wall clock.
 */
export async function afterHoursAccess(tx: Tx, now: Date, cfg: Config["alertRules"]): Promise<AlertDraft[]> {
  const rule = "after-hours-access";
  const events = await tx.$queryRaw<{ seq: string; actor_id: string; occurred_at: Date }[]>`
    SELECT seq::text, actor_id::text, occurred_at FROM audit_event
    WHERE actor_role = 'clinician' AND actor_id IS NOT NULL AND patient_pseudonym IS NOT NULL AND outcome = 'allowed'
      AND occurred_at > ${new Date(now.getTime() - AFTER_HOURS_LOOKBACK_MS)}::timestamptz AND occurred_at <= ${now}::timestamptz
    ORDER BY seq`;
  const schedules = await schedulesOf(tx, [...new Set(events.map((e) => e.actor_id))], cfg.clinicHours);
  const nights = new Map<string, { actorId: string; date: string; evidence: string[]; first: Date; count: number; hours: ClinicHours }>();
  for (const event of events) {
    const own = schedules.get(event.actor_id)!;
    if (!own.every((hours) => isAfterHours(event.occurred_at, hours))) continue;
    const hours = own[0]!;
    const date = localTime(event.occurred_at, hours.timeZone).date;
    const id = `${event.actor_id}:${date}`;
    const night = nights.get(id) ?? { actorId: event.actor_id, date, evidence: [], first: event.occurred_at, count: 0, hours };
    night.count += 1;
    if (night.evidence.length < EVIDENCE_LIMIT) night.evidence.push(event.seq);
    nights.set(id, night);
  }
  return [...nights.values()].map((n) => ({
    kind: "after_hours_access", rule, severity: "medium", windowKey: `${rule}:${n.actorId}:${n.date}`, actorId: n.actorId,
    details: {
      localDate: n.date, events: n.count, firstAt: n.first.toISOString(), timeZone: n.hours.timeZone,
      clinicHours: `${clock(n.hours.openMinute)}-${clock(n.hours.closeMinute)}`,
      hoursOf: n.hours === cfg.clinicHours ? "global" : "care team",
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
