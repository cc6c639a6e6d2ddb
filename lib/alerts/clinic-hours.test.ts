import { describe, expect, it } from "vitest";
import { isAfterHours, localTime, parseClinicDays, parseClinicHours, type ClinicHours } from "./clinic-hours";

const paris: ClinicHours = { openMinute: 8 * 60, closeMinute: 18 * 60, days: [1, 2, 3, 4, 5], timeZone: "Europe/Paris" };

describe("clinic hours", () => {
  it("reads HH:MM-HH:MM and weekday lists, and refuses the rest", () => {
    expect(parseClinicHours("07:00-19:00")).toEqual({ openMinute: 420, closeMinute: 1140 });
    expect(parseClinicHours("00:00-24:00")).toEqual({ openMinute: 0, closeMinute: 1440 });
    for (const bad of ["19:00-07:00", "07:00-07:00", "7-19", "07:00", "25:00-26:00", "07:60-19:00", "24:30-24:45"]) expect(parseClinicHours(bad), bad).toBeNull();
    expect(parseClinicDays("Mon-Fri")).toEqual([1, 2, 3, 4, 5]);
    expect(parseClinicDays("mon,wed, sat")).toEqual([1, 3, 6]);
    expect(parseClinicDays("Mon-Fri,Sun")).toEqual([1, 2, 3, 4, 5, 7]);
    for (const bad of ["Fri-Mon", "Monday", "", "Mon-", "1-5"]) expect(parseClinicDays(bad), bad).toBeNull();
  });

  it("moves the opening with Paris's wall clock across the October 2026 change (CEST → CET)", () => {
    // Friday 23 October, CEST (UTC+2): 06:30 UTC is 08:30, open; Monday 26 October, CET (UTC+1): 06:30 UTC is 07:30, closed.
    expect(localTime(new Date("2026-10-23T06:30:00Z"), "Europe/Paris")).toEqual({ date: "2026-10-23", weekday: 5, minute: 8 * 60 + 30 });
    expect(isAfterHours(new Date("2026-10-23T06:30:00Z"), paris)).toBe(false);
    expect(localTime(new Date("2026-10-26T06:30:00Z"), "Europe/Paris")).toEqual({ date: "2026-10-26", weekday: 1, minute: 7 * 60 + 30 });
    expect(isAfterHours(new Date("2026-10-26T06:30:00Z"), paris)).toBe(true);
    // Closing: 16:30 UTC is 18:30 in summer time (closed) and 17:30 in winter time (open).
    expect(isAfterHours(new Date("2026-10-23T16:30:00Z"), paris)).toBe(true);
    expect(isAfterHours(new Date("2026-10-26T16:30:00Z"), paris)).toBe(false);
  });

  it("counts the repeated hour of the change night and the weekend as closed, and the local date, not UTC's", () => {
    // Sunday 25 October 02:30 happens twice in Paris; both are on a closed day.
    expect(isAfterHours(new Date("2026-10-25T00:30:00Z"), paris)).toBe(true);
    expect(isAfterHours(new Date("2026-10-25T01:30:00Z"), paris)).toBe(true);
    // 23:30 UTC on Monday is already Tuesday in Paris.
    expect(localTime(new Date("2026-10-26T23:30:00Z"), "Europe/Paris")).toMatchObject({ date: "2026-10-27", weekday: 2 });
  });
});
