import { IncidentList } from "@/components/incidents/incident-list";
import { requireActor } from "@/lib/auth/require-actor";
import { listIncidents } from "@/lib/services/incidents";

export const metadata = { title: "Incidents" };

export default async function AdminIncidentsPage() {
  const actor = await requireActor("admin");
  return <IncidentList base="/admin" incidents={await listIncidents(actor)} />;
}
