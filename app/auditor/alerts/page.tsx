import Link from "next/link";
import { acknowledgeAlertAction } from "@/app/auditor/actions";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { requireActor } from "@/lib/auth/require-actor";
import { alertKindLabel } from "@/lib/incidents/labels";
import { listAlerts } from "@/lib/services/alerts";

export const metadata = { title: "Alerts" };

export default async function AlertsPage() {
  const actor = await requireActor("auditor");
  const alerts = await listAlerts(actor);
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Alerts</h1>
      <Card>
        {alerts.length === 0 ? <p className="text-sm">No alerts.</p> : null}
        <ul className="divide-y">
          {alerts.map((a) => (
            <li key={a.id} className="flex flex-wrap items-center justify-between gap-2 py-2 text-sm">
              <span>
                <strong>{alertKindLabel[a.kind] ?? a.kind}</strong> · {a.createdAt.replace("T", " ").slice(0, 19)} UTC · actor{" "}
                <span className="font-mono">{a.actorId?.slice(0, 8) ?? "—"}</span>
                {a.patientPseudonym ? <span className="font-mono"> · {a.patientPseudonym}</span> : null}
              </span>
              <span className="flex flex-wrap items-center gap-2">
              <Link href={`/auditor/incidents/new?alert=${a.id}`} className="underline">
                Open incident<span className="sr-only"> from alert of {a.createdAt}</span>
              </Link>
              {a.acknowledgedAt ? (
                <span className="text-slate-600">acknowledged {a.acknowledgedAt.slice(0, 10)}</span>
              ) : (
                <form action={acknowledgeAlertAction}>
                  <input type="hidden" name="alertId" value={a.id} />
                  <Button type="submit" variant="secondary">
                    Acknowledge<span className="sr-only"> alert of {a.createdAt}</span>
                  </Button>
                </form>
              )}
              </span>
            </li>
          ))}
        </ul>
      </Card>
    </div>
  );
}
