/**
 * Clinic opening hours in an IANA time zone. Local time comes from Intl (the tz database), never from a
 * hand-made offset, so a daylight-saving change moves the opening with the wall clock.
 */
export interface ClinicHours {
  /** Minutes after local midnight. */
  openMinute: number;
  closeMinute: number;
  /** ISO weekdays the clinic is open: 1 = Monday … 7 = Sunday. */
  days: number[];
  timeZone: string;
}

const DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const HOURS_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]|24):([0-5]\d)$/;

/** "07:00-19:00" → minutes; null when the text is not two times with the opening first. */
export function parseClinicHours(value: string): { openMinute: number; closeMinute: number } | null {
  const match = HOURS_PATTERN.exec(value.trim());
  if (!match) return null;
  const openMinute = Number(match[1]) * 60 + Number(match[2]);
  const closeMinute = Number(match[3]) * 60 + Number(match[4]);
  if (closeMinute > 24 * 60 || openMinute >= closeMinute) return null;
  return { openMinute, closeMinute };
}

/** "Mon-Fri", "Mon,Wed,Sat" or "Mon-Fri,Sun" → ISO weekdays; null for anything else. */
export function parseClinicDays(value: string): number[] | null {
  const days = new Set<number>();
  for (const part of value.toLowerCase().split(",").map((p) => p.trim())) {
    const [from, to = from] = part.split("-").map((d) => DAY_NAMES.indexOf(d!.trim()) + 1);
    if (!from || !to || from > to) return null;
    for (let d = from; d <= to; d++) days.add(d);
  }
  return [...days].sort();
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock date, ISO weekday and minute of the day of `instant` in `timeZone`. */
export function localTime(instant: Date, timeZone: string): { date: string; weekday: number; minute: number } {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", weekday: "short", hour: "2-digit", minute: "2-digit",
    });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, p.value]));
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    weekday: DAY_NAMES.indexOf(parts.weekday!.toLowerCase()) + 1,
    minute: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

export function isAfterHours(instant: Date, hours: ClinicHours): boolean {
  const local = localTime(instant, hours.timeZone);
  return !hours.days.includes(local.weekday) || local.minute < hours.openMinute || local.minute >= hours.closeMinute;
}
