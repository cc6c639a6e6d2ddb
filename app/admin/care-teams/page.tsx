import { AddClinicianForm, AssignPatientForm, ClinicHoursForm, NewCareTeamForm, RemoveClinicianForm, RemovePatientForm, RenameTeamForm, DeleteTeamForm } from "@/components/admin/care-team-forms";
import { Card } from "@/components/ui/card";
import { DataTable } from "@/components/ui/data-table";
import { requireActor } from "@/lib/auth/require-actor";
import { listCareTeams } from "@/lib/services/care-team-admin";

export const metadata = { title: "Care teams" };

export default async function CareTeamsPage() {
  const actor = await requireActor("admin");
  const { teams, clinicians } = await listCareTeams(actor);
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Care teams</h1>
      <p className="text-sm text-slate-700">
        A clinician sees the patients of the teams they belong to. Adding or removing one takes effect at their next click and is
        recorded in the audit log. Patients are added by MRN and shown only by pseudonym: administrators do not see health data.
      </p>
      <Card title="New care team">
        <NewCareTeamForm />
      </Card>
      {teams.length === 0 ? <p className="text-sm">No care teams yet.</p> : null}
      {teams.map((team) => (
        <Card key={team.id}>
          <section aria-label={team.name} className="space-y-4">
            <h2 className="text-lg font-semibold">
              {team.name} <span className="text-sm font-normal text-slate-600">· {team.patientCount} patient{team.patientCount === 1 ? "" : "s"}</span>
            </h2>
            {team.members.length === 0 ? <p className="text-sm">No clinicians in this team yet.</p> : null}
            <DataTable
              caption={`Clinicians in ${team.name}`}
              rows={team.members}
              rowKey={(m) => m.userId}
              columns={[
                { header: "Clinician", cell: (m) => <>{m.displayName}{m.active ? null : <span className="text-red-800"> (disabled or no longer a clinician)</span>}</> },
                { header: "Action", cell: (m) => <RemoveClinicianForm teamId={team.id} userId={m.userId} name={m.displayName} /> },
              ]}
            />
            <AddClinicianForm teamId={team.id} teamName={team.name} choices={clinicians.filter((c) => !team.members.some((m) => m.userId === c.id))} />
            <AssignPatientForm teamId={team.id} teamName={team.name} />
            {team.patientCount > 0 ? <RemovePatientForm teamId={team.id} teamName={team.name} /> : null}
            <ClinicHoursForm teamId={team.id} teamName={team.name} current={team.clinicHours} />
            <div className="flex flex-wrap items-end gap-4">
              <RenameTeamForm teamId={team.id} teamName={team.name} />
              <DeleteTeamForm teamId={team.id} teamName={team.name} />
            </div>
          </section>
        </Card>
      ))}
    </div>
  );
}
