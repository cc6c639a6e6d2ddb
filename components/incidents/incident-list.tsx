import Link from "next/link";
import { Card } from "@/components/ui/card";
import { DataTable } from "@/components/ui/data-table";
import { taskLabel } from "@/lib/incidents/labels";
import type { IncidentSummary } from "@/lib/services/incidents";
import { Countdown } from "./countdown";

/** The register: open incidents first, each with its nearest deadline counting down. */
export function IncidentList({ base, incidents }: { base: string; incidents: IncidentSummary[] }) {
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-bold">Incidents</h1>
        <Link href={`${base}/incidents/new`} className="rounded-md bg-brand-700 px-4 py-2 text-sm font-medium text-white hover:bg-brand-900">
          Open an incident
        </Link>
      </div>
      <Card>
        {incidents.length === 0 ? <p className="text-sm">No incidents recorded. Open one from an alert or by hand.</p> : null}
        <DataTable
          caption="Incidents"
          rows={incidents}
          rowKey={(i) => i.id}
          columns={[
            { header: "Incident", cell: (i) => <Link className="underline" href={`${base}/incidents/${i.id}`}>{i.title}</Link> },
            { header: "Status", cell: (i) => (i.status === "open" ? "Open" : "Closed") },
            { header: "Affected", cell: (i) => `${i.affectedCount} patient${i.affectedCount === 1 ? "" : "s"}` },
            {
              header: "Next notice",
              cell: (i) =>
                i.next ? (
                  <span>
                    {taskLabel[i.next.kind].split(" (")[0]}: <Countdown dueAt={i.next.dueAt} initial={i.next.left} />
                  </span>
                ) : (
                  "none due"
                ),
            },
          ]}
        />
      </Card>
    </div>
  );
}
