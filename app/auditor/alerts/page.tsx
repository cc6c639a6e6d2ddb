import type { ReactNode } from "react";
import { LocalTime } from "@/components/ui/local-time";
import Link from "next/link";
import { acknowledgeAlertAction } from "@/app/auditor/actions";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { DataTable, type Column } from "@/components/ui/data-table";
import { requireActor } from "@/lib/auth/require-actor";
import { alertWho } from "@/components/auditor/alert-words";
import { alertKindLabel } from "@/lib/alerts/kinds";
import { listAlerts, type AlertView, type DeliveryView } from "@/lib/services/alerts";
import { staffNamesById } from "@/lib/services/staff-names";

export const metadata = { title: "Alerts" };

function processorExpiry(details: unknown): string {
  const d = (details ?? {}) as { processorName?: string; threshold?: string; expiresOn?: string };
  return `${d.processorName ?? "a processor"}: agreement ${d.threshold === "expired" ? "ended" : "ends"} on ${d.expiresOn ?? "?"}`;
}

const severityClass: Record<string, string> = {
  critical: "bg-red-700 text-white",
  high: "bg-red-100 text-red-900",
  medium: "bg-amber-100 text-amber-900",
  low: "bg-slate-100 text-slate-900",
};

function deliveryText(d: DeliveryView): ReactNode {
  if (d.status === "delivered") return <>{d.target}: delivered {d.deliveredAt ? <LocalTime iso={d.deliveredAt} /> : null}</>;
  const tries = `${d.attempts} ${d.attempts === 1 ? "attempt" : "attempts"}`;
  if (d.status === "failed") return `${d.target}: gave up after ${tries}${d.lastError ? ` (${d.lastError})` : ""}`;
  return `${d.target}: ${d.attempts === 0 ? "waiting to send" : `retrying, ${tries}${d.lastError ? ` (${d.lastError})` : ""}`}`;
}

const kindWords = (a: AlertView) => alertKindLabel[a.kind] ?? a.kind;

const columns = (names: ReadonlyMap<string, string>): Column<AlertView>[] => [
  {
    header: "Alert",
    cell: (a) => (
      <span>
        <strong>{kindWords(a)}</strong>{" "}
        <span className={`rounded px-1.5 py-0.5 text-xs font-semibold ${severityClass[a.severity] ?? ""}`}>{a.severity}</span>
        {a.kind === "processor_expiry" ? <span className="block">{processorExpiry(a.details)}</span> : null}
      </span>
    ),
  },
  { header: "Raised", cell: (a) => <LocalTime iso={a.createdAt} seconds /> },
  {
    header: "Who",
    cell: (a) => (
      <span>
        {alertWho(a, names)}
        {a.patientPseudonym ? <span className="block font-mono">{a.patientPseudonym}</span> : null}
      </span>
    ),
  },
  {
    header: "Evidence",
    cell: (a) =>
      a.evidence.length === 0 ? "—" : (
        <span className="flex flex-wrap gap-x-2">
          {a.evidence.slice(0, 5).map((seq) => (
            <Link key={seq} href={`/auditor/events/${seq}`} className="underline">
              event {seq}
            </Link>
          ))}
          {a.evidence.length > 5 ? <span>and {a.evidence.length - 5} more</span> : null}
        </span>
      ),
  },
  {
    header: "SIEM delivery",
    cell: (a) => (a.deliveries.length === 0 ? "not sent" : <span className="block">{a.deliveries.map((d, n) => <span key={d.target}>{n > 0 ? "; " : ""}{deliveryText(d)}</span>)}</span>),
  },
  {
    header: "Review",
    cell: (a) => (
      <span className="flex flex-wrap items-center gap-2">
        <Link href={`/auditor/incidents/new?alert=${a.id}`} className="underline">
          Open incident<span className="sr-only"> from the {kindWords(a)} alert of <LocalTime iso={a.createdAt} seconds /></span>
        </Link>
        {a.acknowledgedAt ? (
          <span className="text-slate-600">acknowledged <LocalTime iso={a.acknowledgedAt} /></span>
        ) : (
          <form action={acknowledgeAlertAction}>
            <input type="hidden" name="alertId" value={a.id} />
            <Button type="submit" variant="secondary">
              Acknowledge<span className="sr-only"> the {kindWords(a)} alert of <LocalTime iso={a.createdAt} seconds /></span>
            </Button>
          </form>
        )}
      </span>
    ),
  },
];

export default async function AlertsPage() {
  const actor = await requireActor("auditor");
  const alerts = await listAlerts(actor);
  const names = await staffNamesById(actor.request, alerts.flatMap((a) => (a.actorId ? [a.actorId] : [])));
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Alerts</h1>
      <Card>
        {alerts.length === 0 ? <p className="text-sm">No alerts.</p> : null}
        <DataTable caption="Alerts, newest first" rows={alerts} columns={columns(names)} rowKey={(a) => a.id} />
      </Card>
    </div>
  );
}
