import Link from "next/link";
import type { AuditEventView } from "@/lib/services/audit-log";

export function EventTable({ events }: { events: AuditEventView[] }) {
  if (events.length === 0) return <p className="text-sm">No events match these filters.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Audit events, newest first</caption>
        <thead>
          <tr className="border-b">
            <th scope="col" className="py-2">Seq</th>
            <th scope="col">Time (UTC)</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Patient</th>
            <th scope="col">Outcome</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.seq} className="border-b last:border-0">
              <td className="py-1">
                <Link className="text-brand-700 underline" href={`/auditor/events/${e.seq}`}>
                  {e.seq}
                </Link>
              </td>
              <td>{e.occurredAt.replace("T", " ").slice(0, 19)}</td>
              <td>
                {e.actorRole ?? "—"} <span className="font-mono text-xs">{e.actorId?.slice(0, 8) ?? ""}</span>
              </td>
              <td className="font-mono">{e.action}</td>
              <td className="font-mono text-xs">{e.patientPseudonym ?? ""}</td>
              <td className={e.outcome === "allowed" ? "" : "font-semibold text-red-800"}>{e.outcome}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
