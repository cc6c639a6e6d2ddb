import type { ClinicalEntry } from "@/lib/services/patient-view";
import { ChartEntry } from "./chart-entry";

/** How many entries of a kind show before the rest fold away. */
export const SHOWN = 10;

/**
 * Entries of one kind, newest first. A long chart shows the newest SHOWN and folds the older ones behind a
 * native disclosure (no script, keyboard-usable), so the page stays short and nothing is out of reach.
 */
export function EntryList({ entries, empty, patientId, authors }: { entries: ClinicalEntry[]; empty: string; patientId: string; authors: Record<string, string> }) {
  if (entries.length === 0) return <p className="text-sm text-slate-700">{empty}</p>;
  const item = (e: ClinicalEntry) => <ChartEntry key={e.entryId} entry={e} patientId={patientId} authors={authors} />;
  return (
    <>
      <ul className="divide-y">{entries.slice(0, SHOWN).map(item)}</ul>
      {entries.length > SHOWN ? (
        <details className="mt-2 text-sm">
          <summary className="cursor-pointer text-brand-700 underline">Show {entries.length - SHOWN} older</summary>
          <ul className="divide-y">{entries.slice(SHOWN).map(item)}</ul>
        </details>
      ) : null}
    </>
  );
}
