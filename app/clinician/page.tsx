import Link from "next/link";
import { ActiveGrants } from "@/components/clinician/active-grants";
import { PatientSearch } from "@/components/clinician/patient-search";
import { PatientTable } from "@/components/clinician/patient-table";
import { AccountPanel } from "@/components/home/account-panel";
import { Alert } from "@/components/ui/alert";
import { Card } from "@/components/ui/card";
import { requireActor } from "@/lib/auth/require-actor";
import { accountSummary } from "@/lib/services/account";
import { myActiveGrants } from "@/lib/services/break-glass-grants";
import { listMyPatients, myCareTeamCount } from "@/lib/services/patient-search";

export const metadata = { title: "My patients" };

export default async function ClinicianHomePage() {
  const actor = await requireActor("clinician");
  const [account, patients, teams, grants] = await Promise.all([
    accountSummary(actor),
    listMyPatients(actor),
    myCareTeamCount(actor),
    myActiveGrants(actor),
  ]);
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Welcome, {account.displayName}</h1>
      {teams === 0 ? (
        <Alert tone="info">
          You are not in a care team yet, so no patients are listed. Ask an administrator to add you to your care team; its
          patients will then appear here. In an emergency, you can{" "}
          <Link className="underline" href="/clinician/break-glass">
            request break-glass access
          </Link>{" "}
          to one patient.
        </Alert>
      ) : null}
      {grants.length > 0 ? (
        <Card title="Your emergency access">
          <ActiveGrants grants={grants} />
        </Card>
      ) : null}
      <Card title="Find a patient">
        <PatientSearch />
      </Card>
      <Card title={`My patients (${patients.length})`}>
        <PatientTable patients={patients} caption="Patients of my care teams" />
      </Card>
      <AccountPanel account={account} />
    </div>
  );
}
