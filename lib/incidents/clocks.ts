/**
 * Breach-notification clocks. Pure: no database, no current time unless given. Arithmetic is done on UTC
 * instants (a 72-hour clock is 72 elapsed hours whatever the wall clock does at a DST change); a time zone is
 * used only to show a deadline and to find where a calendar year ends for the HHS annual log.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** GDPR Art. 33(1): the supervisory authority, within 72 hours of becoming aware. */
export const GDPR_AUTHORITY_HOURS = 72;
/**
 * GDPR Art. 34(1): data subjects "without undue delay" when the risk is high. The law sets no hour count;
 * the register's own target is the authority's 72 hours, so the task can be late and raise an alert.
 */
export const GDPR_SUBJECTS_TARGET_HOURS = 72;
/** HIPAA 164.404(b): individuals, no later than 60 calendar days after discovery. */
export const HIPAA_INDIVIDUALS_DAYS = 60;
/** HIPAA 164.408(b)/(c): 500 or more individuals: HHS with the individuals; fewer: the annual log. */
export const HIPAA_MAJOR_BREACH = 500;
/** HIPAA 164.408(c): the annual log is due within 60 days of the end of the calendar year. */
export const HHS_LOG_DAYS_AFTER_YEAR_END = 60;

export const taskKinds = ["supervisory_authority", "data_subjects", "individuals", "hhs_immediate", "media", "hhs_annual_log"] as const;
export type TaskKind = (typeof taskKinds)[number];

export type RiskConclusion = "low_probability" | "breach";
export type GdprRisk = "unlikely" | "risk" | "high";

export interface ClockInput {
  discoveredAt: Date;
  awareAt: Date;
  /** HIPAA: null until assessed. An impermissible disclosure is presumed a breach (164.402) until then. */
  riskConclusion: RiskConclusion | null;
  /** GDPR: null until assessed; the authority's clock runs from awareness regardless (Art. 33). */
  gdprRisk: GdprRisk | null;
  /** Patients computed from the audit log. */
  affectedCount: number;
  /** Residents per state as entered by the privacy office (two-letter code -> count). */
  stateCounts: Record<string, number>;
  /** IANA zone the privacy office works in. */
  timeZone: string;
}

export interface RequiredNotice {
  kind: TaskKind;
  dueAt: Date;
}

const after = (from: Date, ms: number) => new Date(from.getTime() + ms);

/** Individuals affected: the larger of the audit-log count and the per-state counts entered. */
export function affectedTotal(input: Pick<ClockInput, "affectedCount" | "stateCounts">): number {
  const byState = Object.values(input.stateCounts).reduce((sum, n) => sum + n, 0);
  return Math.max(input.affectedCount, byState);
}

/** HIPAA 164.406(a): prominent media outlets when a breach involves more than 500 residents of one state. */
export function mediaStates(stateCounts: Record<string, number>): string[] {
  return Object.entries(stateCounts)
    .filter(([, n]) => n > HIPAA_MAJOR_BREACH)
    .map(([state]) => state)
    .sort();
}

/** Which notices the incident needs now, with their deadlines. Recomputed after every change. */
export function requiredNotices(input: ClockInput): RequiredNotice[] {
  const notices: RequiredNotice[] = [];
  if (input.gdprRisk !== "unlikely") {
    notices.push({ kind: "supervisory_authority", dueAt: after(input.awareAt, GDPR_AUTHORITY_HOURS * HOUR_MS) });
  }
  if (input.gdprRisk === "high") {
    notices.push({ kind: "data_subjects", dueAt: after(input.awareAt, GDPR_SUBJECTS_TARGET_HOURS * HOUR_MS) });
  }
  if (input.riskConclusion !== "low_probability") {
    const sixtyDays = after(input.discoveredAt, HIPAA_INDIVIDUALS_DAYS * DAY_MS);
    notices.push({ kind: "individuals", dueAt: sixtyDays });
    if (affectedTotal(input) >= HIPAA_MAJOR_BREACH) notices.push({ kind: "hhs_immediate", dueAt: sixtyDays });
    else notices.push({ kind: "hhs_annual_log", dueAt: annualLogDue(input.discoveredAt, input.timeZone) });
    if (mediaStates(input.stateCounts).length > 0) notices.push({ kind: "media", dueAt: sixtyDays });
  }
  return notices;
}

/**
 * The annual log for a breach discovered in year Y is due 60 days after Y ends where the privacy office is:
 * the first instant of the 61st day of Y+1, i.e. the end of 1 March (29 February in a leap year), local time.
 */
export function annualLogDue(discoveredAt: Date, timeZone: string): Date {
  const year = wallClock(discoveredAt, timeZone).year;
  const local = new Date(Date.UTC(year + 1, 0, 1 + HHS_LOG_DAYS_AFTER_YEAR_END));
  return zonedToUtc(local.getUTCFullYear(), local.getUTCMonth() + 1, local.getUTCDate(), 0, 0, timeZone);
}

export interface Countdown {
  overdue: boolean;
  /** Whole minutes left (negative once overdue). */
  minutesLeft: number;
  text: string;
}

/** "71 h 59 min left", "59 days 23 h left", "overdue by 2 h 5 min". */
export function countdown(dueAt: Date, now: Date): Countdown {
  const minutesLeft = Math.floor((dueAt.getTime() - now.getTime()) / 60_000);
  const overdue = minutesLeft < 0;
  const span = Math.abs(minutesLeft);
  const days = Math.floor(span / (24 * 60));
  const hours = Math.floor(span / 60);
  const text = span >= 96 * 60 ? `${days} days ${hours - days * 24} h` : `${hours} h ${span % 60} min`;
  return { overdue, minutesLeft, text: overdue ? `overdue by ${text}` : `${text} left` };
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(at: Date, timeZone: string): WallClock {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(at);
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)!.value);
  return { year: get("year"), month: get("month"), day: get("day"), hour: get("hour"), minute: get("minute"), second: get("second") };
}

/** The zone's offset from UTC at an instant, in milliseconds (east positive). */
function offsetMs(at: Date, timeZone: string): number {
  const w = wallClock(at, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/**
 * The instant a wall-clock time names in a zone. A time that occurs twice (fall-back) is the earlier instant;
 * a time skipped by spring-forward is read with the offset before the change (02:30 becomes 03:30 EDT).
 */
export function zonedToUtc(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): Date {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  const first = guess - offsetMs(new Date(guess), timeZone);
  const second = guess - offsetMs(new Date(first), timeZone);
  const names = (t: number) => {
    const w = wallClock(new Date(t), timeZone);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) === guess;
  };
  const exact = [first, second].filter(names);
  return new Date(exact.length > 0 ? Math.min(...exact) : Math.max(first, second));
}

/** "2026-03-09 11:00 EDT": a deadline as the privacy office reads it. */
export function formatInZone(at: Date, timeZone: string): string {
  const w = wallClock(at, timeZone);
  const zone = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "short" }).formatToParts(at).find((p) => p.type === "timeZoneName")!.value;
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)} ${zone}`;
}

/** The value a datetime-local field shows for an instant, in the zone the form is read in. */
export function toLocalInput(at: Date, timeZone: string): string {
  return formatInZone(at, timeZone).slice(0, 16).replace(" ", "T");
}
