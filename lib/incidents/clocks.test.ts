import { describe, expect, it } from "vitest";
import { isTimeZone } from "@/lib/validation/time-zone";
import { annualLogDue, countdown, formatInZone, requiredNotices, zonedToUtc, type ClockInput } from "./clocks";

const base: ClockInput = {
  discoveredAt: new Date("2026-01-10T09:00:00Z"),
  awareAt: new Date("2026-01-10T09:00:00Z"),
  riskConclusion: null,
  gdprRisk: null,
  affectedCount: 0,
  stateCounts: {},
  timeZone: "UTC",
};

const due = (input: Partial<ClockInput>) =>
  Object.fromEntries(requiredNotices({ ...base, ...input }).map((n) => [n.kind, n.dueAt.toISOString()]));

describe("the GDPR 72-hour clock", () => {
  it("runs 72 hours from awareness, not from discovery", () => {
    const notices = due({ discoveredAt: new Date("2026-01-08T12:00:00Z"), awareAt: new Date("2026-01-10T09:00:00Z") });
    expect(notices.supervisory_authority).toBe("2026-01-13T09:00:00.000Z");
  });

  it("counts down in hours and minutes, and reports overdue", () => {
    const dueAt = new Date("2026-01-13T09:00:00Z");
    expect(countdown(dueAt, new Date("2026-01-10T09:01:00Z")).text).toBe("71 h 59 min left");
    expect(countdown(dueAt, new Date("2026-01-13T08:59:30Z"))).toEqual({ overdue: false, minutesLeft: 0, text: "0 h 0 min left" });
    expect(countdown(dueAt, new Date("2026-01-13T11:05:00Z"))).toEqual({ overdue: true, minutesLeft: -125, text: "overdue by 2 h 5 min" });
  });

  it("is 72 elapsed hours across a spring-forward change: the local deadline moves one hour later", () => {
    // Friday 6 March 2026 10:00 EST; clocks go forward on Sunday 8 March.
    const awareAt = zonedToUtc(2026, 3, 6, 10, 0, "America/New_York");
    expect(awareAt.toISOString()).toBe("2026-03-06T15:00:00.000Z");
    const [authority] = requiredNotices({ ...base, discoveredAt: awareAt, awareAt, timeZone: "America/New_York" });
    expect(authority!.dueAt.getTime() - awareAt.getTime()).toBe(72 * 3_600_000);
    expect(formatInZone(authority!.dueAt, "America/New_York")).toBe("2026-03-09 11:00 EDT");
  });

  it("is 72 elapsed hours across a fall-back change: the local deadline moves one hour earlier", () => {
    const awareAt = zonedToUtc(2026, 10, 23, 12, 0, "Europe/Berlin");
    expect(awareAt.toISOString()).toBe("2026-10-23T10:00:00.000Z");
    const [authority] = requiredNotices({ ...base, discoveredAt: awareAt, awareAt, timeZone: "Europe/Berlin" });
    expect(formatInZone(authority!.dueAt, "Europe/Berlin")).toBe("2026-10-26 11:00 GMT+1");
  });

  it("stops when the assessment finds no risk, and adds the data subjects when the risk is high", () => {
    expect(due({ gdprRisk: "unlikely" }).supervisory_authority).toBeUndefined();
    expect(due({ gdprRisk: "risk" }).data_subjects).toBeUndefined();
    expect(due({ gdprRisk: "high" })).toMatchObject({
      supervisory_authority: "2026-01-13T09:00:00.000Z",
      data_subjects: "2026-01-13T09:00:00.000Z",
    });
  });
});

describe("the HIPAA 60-day clock", () => {
  it("runs 60 days from discovery, presumed a breach until assessed", () => {
    expect(due({ discoveredAt: new Date("2026-01-01T00:00:00Z"), awareAt: new Date("2026-01-02T00:00:00Z") }).individuals).toBe("2026-03-02T00:00:00.000Z");
  });

  it("needs no notice once the assessment shows a low probability of compromise", () => {
    const notices = due({ riskConclusion: "low_probability", gdprRisk: "unlikely" });
    expect(notices).toEqual({});
  });

  it("is 60 × 24 hours across a DST change (10:00 EST becomes 10:00 EDT + 1 h = 11:00 EDT)", () => {
    const discoveredAt = zonedToUtc(2026, 2, 20, 10, 0, "America/New_York");
    const notices = requiredNotices({ ...base, discoveredAt, awareAt: discoveredAt, timeZone: "America/New_York" });
    const individuals = notices.find((n) => n.kind === "individuals")!;
    expect(individuals.dueAt.toISOString()).toBe("2026-04-21T15:00:00.000Z");
    expect(formatInZone(individuals.dueAt, "America/New_York")).toBe("2026-04-21 11:00 EDT");
  });

  it("counts down in days once more than four days are left", () => {
    expect(countdown(new Date("2026-03-02T00:00:00Z"), new Date("2026-01-01T01:00:00Z")).text).toBe("59 days 23 h left");
  });
});

describe("the 500 rule", () => {
  const breach = { riskConclusion: "breach" as const };

  it("sends 499 to the annual log and 500 to HHS with the individuals", () => {
    expect(Object.keys(due({ ...breach, affectedCount: 499 })).sort()).toEqual(["hhs_annual_log", "individuals", "supervisory_authority"]);
    expect(Object.keys(due({ ...breach, affectedCount: 500 })).sort()).toEqual(["hhs_immediate", "individuals", "supervisory_authority"]);
    expect(due({ ...breach, affectedCount: 500 }).hhs_immediate).toBe(due(breach).individuals);
  });

  it("counts the residents entered per state when they exceed the log's count", () => {
    expect(due({ ...breach, affectedCount: 10, stateCounts: { CA: 300, NV: 200 } }).hhs_immediate).toBeDefined();
  });

  it("asks for the media only when one state has more than 500 residents affected", () => {
    expect(due({ ...breach, stateCounts: { CA: 300, NV: 300 } }).media).toBeUndefined();
    expect(due({ ...breach, stateCounts: { CA: 500 } }).media).toBeUndefined();
    expect(due({ ...breach, stateCounts: { CA: 501 } }).media).toBe(due(breach).individuals);
  });
});

describe("the HHS annual log", () => {
  it("is due at the end of 1 March after the year of discovery, 29 February in a leap year", () => {
    expect(annualLogDue(new Date("2026-06-01T12:00:00Z"), "UTC").toISOString()).toBe("2027-03-02T00:00:00.000Z");
    expect(annualLogDue(new Date("2027-06-01T12:00:00Z"), "UTC").toISOString()).toBe("2028-03-01T00:00:00.000Z");
  });

  it("takes the year where the privacy office is: New Year's Eve in Los Angeles is already next year in UTC", () => {
    const discoveredAt = new Date("2027-01-01T07:30:00Z");
    expect(annualLogDue(discoveredAt, "UTC").toISOString()).toBe("2028-03-01T00:00:00.000Z");
    expect(annualLogDue(discoveredAt, "America/Los_Angeles").toISOString()).toBe("2027-03-02T08:00:00.000Z");
    expect(formatInZone(annualLogDue(discoveredAt, "America/Los_Angeles"), "America/Los_Angeles")).toBe("2027-03-02 00:00 PST");
  });
});

describe("time zones", () => {
  it("accepts IANA names and refuses anything else", () => {
    expect(isTimeZone("Europe/Berlin")).toBe(true);
    expect(isTimeZone("Mars/Olympus")).toBe(false);
  });

  it("resolves a wall time skipped by spring-forward to the later offset", () => {
    expect(zonedToUtc(2026, 3, 8, 2, 30, "America/New_York").toISOString()).toBe("2026-03-08T07:30:00.000Z");
  });
});
