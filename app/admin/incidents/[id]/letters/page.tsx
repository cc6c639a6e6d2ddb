import { Letters } from "@/components/incidents/letters";
import { requireActor } from "@/lib/auth/require-actor";
import { pageError } from "@/lib/http/errors";
import { notificationLetters } from "@/lib/services/incident-letters";

export const metadata = { title: "Notification letters" };

export default async function NotificationLettersPage({ params }: PageProps<"/admin/incidents/[id]/letters">) {
  const actor = await requireActor("admin");
  const { id } = await params;
  return <Letters batch={await notificationLetters(actor, { incidentId: id }).catch(pageError)} />;
}
