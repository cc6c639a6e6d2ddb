import { PatientSearch } from "@/components/clinician/patient-search";
import { PatientTable } from "@/components/clinician/patient-table";
import { AccountPanel } from "@/components/home/account-panel";
import { Card } from "@/components/ui/card";
import { requireActor } from "@/lib/auth/require-actor";
import { accountSummary } from "@/lib/services/account";
import { listMyPatients } from "@/lib/services/patient-search";

export const metadata = { title: "My patients" };

export default async function ClinicianHomePage() {
  const actor = await requireActor("clinician");
  const [account, patients] = await Promise.all([accountSummary(actor), listMyPatients(actor)]);
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Welcome, {account.displayName}</h1>
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
