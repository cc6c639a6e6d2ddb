import type { ReactNode } from "react";
import { LocalTime } from "@/components/ui/local-time";
import { Breadcrumbs } from "@/components/ui/breadcrumbs";
import { actorWords } from "@/components/auditor/actor-words";
import { Card } from "@/components/ui/card";
import { requireActor } from "@/lib/auth/require-actor";
import { pageError } from "@/lib/http/errors";
import { auditEventBySeq } from "@/lib/services/audit-log";

export const metadata = { title: "Audit event" };

const removed = (days: number) => `removed after ${days} days (retention policy); the event still verifies`;

export default async function AuditEventPage({ params }: PageProps<"/auditor/events/[seq]">) {
  const actor = await requireActor("auditor");
  const { seq } = await params;
  const event = await auditEventBySeq(actor, seq).catch(pageError);
  const rows: [string, ReactNode][] = [
    ["Sequence", event.seq],
    ["Time", <LocalTime key="time" iso={event.occurredAt} seconds />],
    ["Who", actorWords(event)],
    ["Account id", event.actorId ?? "—"],
    ["Action", event.action],
    ["Resource", `${event.resourceType ?? "—"} ${event.resourceId ?? ""}`],
    ["Patient pseudonym", event.patientPseudonym ?? "—"],
    ["Outcome", event.outcome],
    ["Client address", event.addressRemovedAfterDays !== null ? removed(event.addressRemovedAfterDays) : (event.ip ?? "—")],
    ["User agent", event.addressRemovedAfterDays !== null ? removed(event.addressRemovedAfterDays) : (event.userAgent ?? "—")],
    ["Request id", event.requestId ?? "—"],
    ["Chain position", event.chainSeq ?? "not sealed yet (within seconds)"],
    ["Chain hash", event.hash ?? "—"],
  ];
  return (
    <div className="space-y-6">
      <Breadcrumbs trail={[{ href: "/auditor/events", label: "Events" }]} current={`Event ${event.seq}`} />
      <h1 className="text-2xl font-bold">Event {event.seq}</h1>
      <Card>
        <dl className="grid grid-cols-[12rem_1fr] gap-y-1 text-sm">
          {rows.map(([k, v]) => (
            <div key={k} className="contents">
              <dt className="font-medium">{k}</dt>
              <dd className="break-all font-mono">{v}</dd>
            </div>
          ))}
        </dl>
        <h2 className="mt-4 font-semibold">Details</h2>
        <pre className="mt-1 overflow-x-auto rounded bg-slate-100 p-3 text-xs">{JSON.stringify(event.details, null, 2)}</pre>
      </Card>
    </div>
  );
}
