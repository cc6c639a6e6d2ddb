import Link from "next/link";
import { EventFilter } from "@/components/auditor/event-filter";
import { EventTable } from "@/components/auditor/event-table";
import { Card } from "@/components/ui/card";
import { requireActor } from "@/lib/auth/require-actor";
import { formError } from "@/lib/http/errors";
import { searchAuditEvents } from "@/lib/services/audit-log";

export const metadata = { title: "Audit events" };

export default async function AuditEventsPage({ searchParams }: PageProps<"/auditor/events">) {
  const actor = await requireActor("auditor");
  const params = Object.fromEntries(Object.entries(await searchParams).filter((e): e is [string, string] => typeof e[1] === "string"));
  const filters = Object.fromEntries(Object.entries(params).filter(([key]) => key !== "before"));
  // An edited or outdated address is answered like a refused form: the filters stay, with what is wrong.
  const result = await searchAuditEvents(actor, params).catch(formError);
  const query = new URLSearchParams(filters).toString();
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Audit events</h1>
      <Card title="Filters">
        <EventFilter current={filters} refusal={"events" in result ? undefined : result} />
      </Card>
      {"events" in result ? (
        <Card>
          <div className="mb-3 flex gap-4 text-sm">
            <a className="underline" href={`/api/auditor/events/export?format=csv&${query}`}>
              Export CSV
            </a>
            <a className="underline" href={`/api/auditor/events/export?format=json&${query}`}>
              Export JSON
            </a>
          </div>
          <EventTable events={result.events} />
          {result.nextBefore ? (
            <Link className="mt-3 inline-block underline" href={`/auditor/events?${query}${query ? "&" : ""}before=${result.nextBefore}`}>
              Older events
            </Link>
          ) : null}
        </Card>
      ) : null}
    </div>
  );
}
