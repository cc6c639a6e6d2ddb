import { Breadcrumbs } from "@/components/ui/breadcrumbs";
import { Letters } from "@/components/incidents/letters";
import { Alert } from "@/components/ui/alert";
import { Conflict } from "@/lib/access/errors";
import { requireActor } from "@/lib/auth/require-actor";
import { pageError } from "@/lib/http/errors";
import { notificationLetters } from "@/lib/services/incident-letters";

export const metadata = { title: "Notification letters" };

export default async function NotificationLettersPage({ params }: PageProps<"/admin/incidents/[id]/letters">) {
  const actor = await requireActor("admin");
  const { id } = await params;
  // Not due yet, or due only to someone else (four eyes): say so instead of failing the page.
  const batch = await notificationLetters(actor, { incidentId: id }).catch((error: unknown) => {
    if (error instanceof Conflict) return error;
    return pageError(error);
  });
  if (batch instanceof Conflict) return <Alert tone="error">{batch.userMessage}</Alert>;
  const breadcrumbs = (
    <Breadcrumbs
      trail={[
        { href: "/admin/incidents", label: "Incidents" },
        { href: `/admin/incidents/${id}`, label: batch.incidentTitle },
      ]}
      current="Notification letters"
    />
  );
  return <Letters breadcrumbs={breadcrumbs} batch={batch} />;
}
