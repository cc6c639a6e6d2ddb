import { Breadcrumbs } from "@/components/ui/breadcrumbs";
import { NewIncident } from "@/components/incidents/new-incident";
import { requireActor } from "@/lib/auth/require-actor";
import { config } from "@/lib/config";

export const metadata = { title: "Open an incident" };

/** Administrators open incidents by hand: alerts are the auditors' to review (they open incidents from them). */
export default async function AdminNewIncidentPage() {
  await requireActor("admin");
  return <NewIncident breadcrumbs={<Breadcrumbs trail={[{ href: "/admin/incidents", label: "Incidents" }]} current="Open an incident" />} alerts={[]} selected={[]} timeZone={config().incidentTimeZone} />;
}
