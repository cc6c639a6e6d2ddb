import { Breadcrumbs } from "@/components/ui/breadcrumbs";
import { NewIncident } from "@/components/incidents/new-incident";
import { requireActor } from "@/lib/auth/require-actor";
import { config } from "@/lib/config";
import { listAlerts } from "@/lib/services/alerts";

export const metadata = { title: "Open an incident" };

export default async function AuditorNewIncidentPage({ searchParams }: PageProps<"/auditor/incidents/new">) {
  const actor = await requireActor("auditor");
  const { alert } = await searchParams;
  const selected = [alert].flat().filter((a): a is string => typeof a === "string");
  return <NewIncident breadcrumbs={<Breadcrumbs trail={[{ href: "/auditor/incidents", label: "Incidents" }]} current="Open an incident" />} alerts={await listAlerts(actor)} selected={selected} timeZone={config().incidentTimeZone} />;
}
