import Link from "next/link";
import { LocalTime } from "@/components/ui/local-time";
import type { ClinicalEntry } from "@/lib/services/patient-view";
import { ContentText, describeContent } from "./entry-view";

/** One entry of a chart: its date and text, the link to amend it, and the versions it replaced. */
export function ChartEntry({ entry, patientId, authors }: { entry: ClinicalEntry; patientId: string; authors: Record<string, string> }) {
  return (
    <li className="py-2 text-sm">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <span>
          <span className="mr-2 text-slate-600">{entry.content.date}</span>
          <ContentText content={entry.content} />
        </span>
        <Link className="text-brand-700 underline" href={`/clinician/patients/${patientId}/entries/${entry.entryId}/amend`}>
          Amend<span className="sr-only"> {entry.kind} of {entry.content.date}</span>
        </Link>
      </div>
      {entry.priorVersions.length > 0 ? (
        <details className="mt-1 text-slate-700">
          <summary>
            Version {entry.version}; {entry.priorVersions.length} earlier version{entry.priorVersions.length > 1 ? "s" : ""}
          </summary>
          <ol className="ml-4 list-disc">
            {[{ ...entry, current: true }, ...entry.priorVersions.map((v) => ({ ...v, current: false }))].map((v) => (
              <li key={v.version}>
                v{v.version}
                {v.current ? " (current)" : `: ${describeContent(v.content)}`} — {v.amendReason ? "amended" : "written"} by{" "}
                {(v.authorId && authors[v.authorId]) ?? "the system"}, <LocalTime iso={v.recordedAt} />
                {v.amendReason ? <>. Reason: {v.amendReason}</> : null}
              </li>
            ))}
          </ol>
        </details>
      ) : null}
    </li>
  );
}
