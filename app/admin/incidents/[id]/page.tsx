import { Breadcrumbs } from "@/components/ui/breadcrumbs";
import { IncidentDetail } from "@/components/incidents/incident-detail";
import { requireActor } from "@/lib/auth/require-actor";
import { pageError } from "@/lib/http/errors";
import { getIncident } from "@/lib/services/incidents";

export const metadata = { title: "Incident" };

export default async function AdminIncidentPage({ params }: PageProps<"/admin/incidents/[id]">) {
  const actor = await requireActor("admin");
  const { id } = await params;
  const incident = await getIncident(actor, id).catch(pageError);
  return <IncidentDetail breadcrumbs={<Breadcrumbs trail={[{ href: "/admin/incidents", label: "Incidents" }]} current={incident.title} />} incident={incident} lettersHref={`/admin/incidents/${incident.id}/letters`} />;
}
