import { Breadcrumbs } from "@/components/ui/breadcrumbs";
import { NewIncident } from "@/components/incidents/new-incident";
import { requireActor } from "@/lib/auth/require-actor";
import { config } from "@/lib/config";
import { listAlerts } from "@/lib/services/alerts";
import { staffNamesById } from "@/lib/services/staff-names";

export const metadata = { title: "Open an incident" };

export default async function AuditorNewIncidentPage({ searchParams }: PageProps<"/auditor/incidents/new">) {
  const actor = await requireActor("auditor");
  const { alert } = await searchParams;
  const selected = [alert].flat().filter((a): a is string => typeof a === "string");
  const alerts = await listAlerts(actor);
  const names = await staffNamesById(actor.request, alerts.flatMap((a) => (a.actorId ? [a.actorId] : [])));
  return (
    <NewIncident
      breadcrumbs={<Breadcrumbs trail={[{ href: "/auditor/incidents", label: "Incidents" }]} current="Open an incident" />}
      alerts={alerts}
      names={names}
      selected={selected}
      timeZone={config().incidentTimeZone}
    />
  );
}
