import Link from "next/link";
import { BreakGlassBanner } from "@/components/clinician/break-glass-banner";
import { EntryForm } from "@/components/clinician/entry-form";
import { ContentText, describeContent } from "@/components/clinician/entry-view";
import { Alert } from "@/components/ui/alert";
import { Card } from "@/components/ui/card";
import { LocalTime } from "@/components/ui/local-time";
import { TooManyRequests } from "@/lib/access/errors";
import { requireActor } from "@/lib/auth/require-actor";
import { describeError, pageError } from "@/lib/http/errors";
import { getChart, type Chart } from "@/lib/services/chart";
import { myCareTeams } from "@/lib/services/care-teams";
import { AssignToMyTeamForm } from "@/components/clinician/assign-team-form";
import { addRecordAction } from "../../actions";

export const metadata = { title: "Patient chart" };

export default async function ChartPage({ params }: PageProps<"/clinician/patients/[id]">) {
  const { id } = await params;
  const actor = await requireActor("clinician");
  let chart: Chart;
  try {
    chart = await getChart(actor, id);
  } catch (error) {
    if (error instanceof TooManyRequests) return <Alert tone="error">{describeError(error)!.message}</Alert>;
    pageError(error);
  }
  const { identity, entries } = chart;
  const teams = chart.breakGlassUntil ? [] : await myCareTeams(actor);
  return (
    <div className="space-y-6">
      {chart.breakGlassUntil ? <BreakGlassBanner until={chart.breakGlassUntil} /> : null}
      <h1 className="text-2xl font-bold">{identity.name}</h1>
      <Card title="Identity">
        <dl className="grid grid-cols-2 gap-x-6 gap-y-2 text-sm md:grid-cols-4">
          <dt className="font-medium">MRN</dt>
          <dd className="font-mono">{identity.mrn}</dd>
          <dt className="font-medium">Birth date</dt>
          <dd>{identity.birthDate}</dd>
          <dt className="font-medium">Sex</dt>
          <dd>{identity.sex}</dd>
          <dt className="font-medium">SSN</dt>
          <dd>{identity.ssnOnFile ? "on file (not shown)" : "not on file"}</dd>
          <dt className="font-medium">Phone</dt>
          <dd>{identity.phone ?? "—"}</dd>
          <dt className="font-medium">Address</dt>
          <dd>{identity.address ?? "—"}</dd>
        </dl>
      </Card>
      {teams.length > 1 ? (
        <Card title="Care teams">
          <AssignToMyTeamForm patientId={identity.patientId} teams={teams} />
        </Card>
      ) : null}
      <Card title="Clinical record">
        {entries.length === 0 ? <p className="text-sm">No entries yet.</p> : null}
        <ul className="divide-y">
          {entries.map((e) => (
            <li key={e.entryId} className="py-2 text-sm">
              <div className="flex flex-wrap items-baseline justify-between gap-2">
                <span>
                  <span className="mr-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs uppercase">{e.kind}</span>
                  <span className="mr-2 text-slate-600">{e.content.date}</span>
                  <ContentText content={e.content} />
                </span>
                <Link className="text-brand-700 underline" href={`/clinician/patients/${identity.patientId}/entries/${e.entryId}/amend`}>
                  Amend<span className="sr-only"> {e.kind} of {e.content.date}</span>
                </Link>
              </div>
              {e.priorVersions.length > 0 ? (
                <details className="mt-1 text-slate-700">
                  <summary>
                    Version {e.version}; {e.priorVersions.length} earlier version{e.priorVersions.length > 1 ? "s" : ""}
                  </summary>
                  <ol className="ml-4 list-disc">
                    {[{ ...e, current: true }, ...e.priorVersions.map((v) => ({ ...v, current: false }))].map((v) => (
                      <li key={v.version}>
                        v{v.version}
                        {v.current ? " (current)" : `: ${describeContent(v.content)}`} — {v.amendReason ? "amended" : "written"} by{" "}
                        {(v.authorId && chart.authors[v.authorId]) ?? "the system"}, <LocalTime iso={v.recordedAt} />
                        {v.amendReason ? <>. Reason: {v.amendReason}</> : null}
                      </li>
                    ))}
                  </ol>
                </details>
              ) : null}
            </li>
          ))}
        </ul>
      </Card>
      <Card title="Add an entry">
        <EntryForm action={addRecordAction.bind(null, identity.patientId)} submitLabel="Add entry" />
      </Card>
    </div>
  );
}
