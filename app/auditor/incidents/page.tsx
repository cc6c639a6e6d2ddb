import { IncidentList } from "@/components/incidents/incident-list";
import { requireActor } from "@/lib/auth/require-actor";
import { listIncidents } from "@/lib/services/incidents";

export const metadata = { title: "Incidents" };

export default async function AuditorIncidentsPage() {
  const actor = await requireActor("auditor");
  return <IncidentList base="/auditor" incidents={await listIncidents(actor)} />;
}
