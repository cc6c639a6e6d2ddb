import { Breadcrumbs } from "@/components/ui/breadcrumbs";
import { BreakGlassBanner } from "@/components/clinician/break-glass-banner";
import { EntryForm } from "@/components/clinician/entry-form";
import { describeContent } from "@/components/clinician/entry-view";
import { EntryList } from "@/components/clinician/entry-list";
import { Sparkline } from "@/components/clinician/sparkline";
import { Alert } from "@/components/ui/alert";
import { Card } from "@/components/ui/card";
import { LocalTime } from "@/components/ui/local-time";
import { TooManyRequests } from "@/lib/access/errors";
import { requireActor } from "@/lib/auth/require-actor";
import { groupChart } from "@/lib/clinical/chart-groups";
import { describeError, pageError } from "@/lib/http/errors";
import { getChart, type Chart } from "@/lib/services/chart";
import { myCareTeams } from "@/lib/services/care-teams";
import { AssignToMyTeamForm } from "@/components/clinician/assign-team-form";
import { PatientInvitationCard } from "@/components/clinician/patient-invitation-card";
import { patientInvitationStatus, type PatientInvitationStatus } from "@/lib/services/patient-invitations";
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
  const { identity } = chart;
  const groups = groupChart(chart.entries);
  const shared = { patientId: identity.patientId, authors: chart.authors };
  const teams = chart.breakGlassUntil ? [] : await myCareTeams(actor);
  // Under break-glass the patient is not the clinician's to invite: the card is for their care team.
  const invitation: PatientInvitationStatus = chart.breakGlassUntil ? { state: "none" } : await patientInvitationStatus(actor, identity.patientId);
  return (
    <div className="space-y-6">
      {chart.breakGlassUntil ? <BreakGlassBanner until={chart.breakGlassUntil} /> : null}
      <Breadcrumbs trail={[{ href: "/clinician", label: "My patients" }]} current={identity.name} />
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
      {invitation.state !== "none" ? (
        <Card title="Portal invitation">
          <PatientInvitationCard
            patientId={identity.patientId}
            status={
              invitation.state === "pending" ? (
                <>
                  Not activated yet. The invitation link works until <LocalTime iso={invitation.until.toISOString()} />.
                </>
              ) : (
                "Not activated, and no invitation link works (withdrawn, expired, or spent after wrong birth dates)."
              )
            }
          />
        </Card>
      ) : null}
      {teams.length > 1 ? (
        <Card title="Care teams">
          <AssignToMyTeamForm patientId={identity.patientId} teams={teams} />
        </Card>
      ) : null}
      {groups.allergies.length > 0 ? (
        <section aria-label="Allergies" className="rounded-lg border-2 border-red-700 bg-red-50 p-4 text-sm text-red-900">
          <h2 className="font-semibold">Allergies</h2>
          <p>{groups.allergies.map((e) => describeContent(e.content)).join(" · ")}</p>
        </section>
      ) : null}
      <Card title="Medications">
        <EntryList entries={groups.medications} empty="No medications recorded." {...shared} />
      </Card>
      <Card title="Observations">
        {groups.observations.length === 0 ? <p className="text-sm text-slate-700">No observations recorded.</p> : null}
        <ul className="divide-y">
          {groups.observations.map((s) => {
            const latest = s.readings.at(-1)!;
            return (
              <li key={s.code} aria-label={s.display} className="py-2 text-sm">
                <div className="flex flex-wrap items-center justify-between gap-2">
                  <span>
                    <span className="font-medium">{s.display}</span>: {latest.value} {s.unitLabel}{" "}
                    <span className="text-slate-600">on {latest.date}</span>
                  </span>
                  <Sparkline label={`${s.display} trend: ${s.readings.map((r) => r.value).join(", ")} ${s.unitLabel}`} values={s.readings.map((r) => r.value)} />
                </div>
                <details className="mt-1">
                  <summary className="cursor-pointer text-brand-700 underline">
                    {s.entries.length} reading{s.entries.length > 1 ? "s" : ""}
                  </summary>
                  <EntryList entries={s.entries} empty="" {...shared} />
                </details>
              </li>
            );
          })}
        </ul>
      </Card>
      <Card title="Notes">
        <EntryList entries={groups.notes} empty="No notes yet." {...shared} />
      </Card>
      <Card title="Encounters">
        <EntryList entries={groups.encounters} empty="No encounters recorded." {...shared} />
      </Card>
      <Card title="Allergy records">
        <EntryList entries={groups.allergies} empty="No allergies recorded." {...shared} />
      </Card>
      <Card title="Add an entry">
        <EntryForm action={addRecordAction.bind(null, identity.patientId)} submitLabel="Add entry" />
      </Card>
    </div>
  );
}
