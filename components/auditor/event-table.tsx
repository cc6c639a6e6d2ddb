import Link from "next/link";
import { DataTable } from "@/components/ui/data-table";
import { LocalTime } from "@/components/ui/local-time";
import { actorWords } from "./actor-words";
import type { NamedAuditEvent } from "@/lib/services/audit-log";

export function EventTable({ events }: { events: NamedAuditEvent[] }) {
  if (events.length === 0) return <p className="text-sm">No events match these filters.</p>;
  return (
    <DataTable
      caption="Audit events, newest first"
      rows={events}
      rowKey={(e) => String(e.seq)}
      columns={[
        {
          header: "Seq",
          cell: (e) => (
            <Link className="text-brand-700 underline" href={`/auditor/events/${e.seq}`}>
              {e.seq}
            </Link>
          ),
        },
        { header: "Time", cell: (e) => <LocalTime iso={e.occurredAt} /> },
        { header: "Who", cell: (e) => actorWords(e) },
        { header: "Action", cell: (e) => e.action, className: "font-mono" },
        { header: "Patient", cell: (e) => e.patientPseudonym ?? "—", className: "font-mono text-xs break-all" },
        {
          header: "Outcome",
          cell: (e) => <span className={e.outcome === "allowed" ? "" : "font-semibold text-red-800"}>{e.outcome}</span>,
        },
      ]}
    />
  );
}
