import { describe, expect, it } from "vitest";
import type { ClinicalEntry } from "@/lib/services/patient-view";
import type { ClinicalContent } from "@/lib/validation/patient";
import { groupChart } from "./chart-groups";

let n = 0;
function entry(content: ClinicalContent, recordedAt = "2026-01-01T00:00:00Z"): ClinicalEntry {
  n += 1;
  return { entryId: `e${n}`, version: 1, kind: content.kind, content, recordedAt, authorId: null, amendReason: null, priorVersions: [] };
}
const hr = (date: string, value: number) => entry({ kind: "observation", date, code: "8867-4", display: "Heart rate", value, unit: "/min" });

describe("a chart grouped for reading", () => {
  it("puts each kind in its own group, newest first, and allergies apart", () => {
    const groups = groupChart([
      entry({ kind: "note", date: "2026-01-02", title: "Older", text: "a" }),
      entry({ kind: "allergy", date: "2025-05-05", substance: "Penicillin", reaction: "rash" }),
      entry({ kind: "note", date: "2026-03-02", title: "Newer", text: "b" }),
      entry({ kind: "prescription", date: "2026-02-01", medication: "Metformin", dosage: "500 mg" }),
      entry({ kind: "encounter", date: "2026-02-03", type: "Visit", reason: "Check-up" }),
    ]);
    expect(groups.notes.map((e) => (e.content.kind === "note" ? e.content.title : ""))).toEqual(["Newer", "Older"]);
    expect(groups.allergies).toHaveLength(1);
    expect(groups.medications).toHaveLength(1);
    expect(groups.encounters).toHaveLength(1);
    expect(groups.observations).toEqual([]);
  });

  it("orders entries of the same day by when they were recorded", () => {
    const first = entry({ kind: "note", date: "2026-03-02", title: "First", text: "a" }, "2026-03-02T08:00:00Z");
    const second = entry({ kind: "note", date: "2026-03-02", title: "Second", text: "b" }, "2026-03-02T09:00:00Z");
    expect(groupChart([first, second]).notes).toEqual([second, first]);
  });

  it("makes one trend per observation code, readings oldest first, in the code's own words and unit", () => {
    const temp = entry({ kind: "observation", date: "2026-01-05", code: "8310-5", display: "typed by hand", value: 37.2, unit: "Cel" });
    const groups = groupChart([hr("2026-01-03", 72), temp, hr("2026-01-01", 80), hr("2026-01-02", 76)]);
    expect(groups.observations.map((s) => s.code)).toEqual(["8310-5", "8867-4"]);
    const [temperature, heart] = groups.observations;
    expect(temperature).toMatchObject({ display: "Body temperature", unitLabel: "°C" });
    expect(heart!.readings).toEqual([
      { date: "2026-01-01", value: 80 },
      { date: "2026-01-02", value: 76 },
      { date: "2026-01-03", value: 72 },
    ]);
    expect(heart!.entries.map((e) => e.content.date)).toEqual(["2026-01-03", "2026-01-02", "2026-01-01"]);
  });
});
