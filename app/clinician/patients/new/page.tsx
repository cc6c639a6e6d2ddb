import { RegisterPatientForm } from "@/components/clinician/register-patient-form";
import { Alert } from "@/components/ui/alert";
import { Card } from "@/components/ui/card";
import { requireActor } from "@/lib/auth/require-actor";
import { myCareTeams } from "@/lib/services/care-teams";

export const metadata = { title: "Register a patient" };

export default async function RegisterPatientPage() {
  const actor = await requireActor("clinician");
  const teams = await myCareTeams(actor);
  return (
    <div className="max-w-3xl space-y-6">
      <h1 className="text-2xl font-bold">Register a patient</h1>
      {teams.length === 0 ? (
        <Alert tone="info">You are not in a care team yet, so you cannot register patients. Ask an administrator to add you to one.</Alert>
      ) : (
        <Card>
          <p className="mb-4 text-sm text-slate-700">
            The patient joins {teams.length === 1 ? teams[0]!.name : "the care team you choose"} and receives an e-mail invitation to the
            patient portal. To open their account they need the link and their date of birth.
          </p>
          <RegisterPatientForm teams={teams} />
        </Card>
      )}
    </div>
  );
}
