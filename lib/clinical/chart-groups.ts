import { observationCode } from "@/lib/clinical/observation-codes";
import type { ClinicalEntry } from "@/lib/services/patient-view";

/** A run of one observation code, for its trend: readings oldest first, entries newest first. */
export interface ObservationSeries {
  code: string;
  display: string;
  unitLabel: string;
  readings: { date: string; value: number }[];
  entries: ClinicalEntry[];
}

/** A chart as a clinician reads it: allergies first, then each kind on its own, newest first. */
export interface ChartGroups {
  allergies: ClinicalEntry[];
  medications: ClinicalEntry[];
  observations: ObservationSeries[];
  notes: ClinicalEntry[];
  encounters: ClinicalEntry[];
}

const newestFirst = (a: ClinicalEntry, b: ClinicalEntry) =>
  b.content.date.localeCompare(a.content.date) || b.recordedAt.localeCompare(a.recordedAt);

export function groupChart(entries: ClinicalEntry[]): ChartGroups {
  const sorted = [...entries].sort(newestFirst);
  const of = (kind: ClinicalEntry["kind"]) => sorted.filter((e) => e.kind === kind);
  const series = new Map<string, ObservationSeries>();
  for (const entry of of("observation")) {
    if (entry.content.kind !== "observation") continue;
    const { code, display, unit } = entry.content;
    const known = observationCode(code);
    const run = series.get(code) ?? { code, display: known?.display ?? display, unitLabel: known?.unitLabel ?? unit, readings: [], entries: [] };
    run.entries.push(entry);
    run.readings.unshift({ date: entry.content.date, value: entry.content.value });
    series.set(code, run);
  }
  return {
    allergies: of("allergy"),
    medications: of("prescription"),
    // The most recently measured code first: what changed lately is what a clinician looks for.
    observations: [...series.values()],
    notes: of("note"),
    encounters: of("encounter"),
  };
}
