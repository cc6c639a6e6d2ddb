import type { ReactNode } from "react";
import { alertWho } from "@/components/auditor/alert-words";
import { Card } from "@/components/ui/card";
import { toLocalInput } from "@/lib/incidents/clocks";
import { alertKindLabel } from "@/lib/alerts/kinds";
import type { AlertView } from "@/lib/services/alerts";
import { OpenIncidentForm } from "./incident-forms";

export function NewIncident({
  alerts,
  names = new Map(),
  selected,
  timeZone,
  breadcrumbs,
}: {
  alerts: AlertView[];
  /** Staff names of the alerts' accounts (staffNamesById). */
  names?: ReadonlyMap<string, string>;
  selected: string[];
  timeZone: string;
  breadcrumbs: ReactNode;
}) {
  const choices = alerts.map((a) => ({
    id: a.id,
    // In the register's time zone, like the times typed into the form below.
    label: `${alertKindLabel[a.kind] ?? a.kind} · ${toLocalInput(new Date(a.createdAt), timeZone).replace("T", " ")} ${timeZone} · ${alertWho(a, names)}${a.patientPseudonym ? ` · ${a.patientPseudonym}` : ""}`,
  }));
  return (
    <div className="space-y-6">
      {breadcrumbs}
      <h1 className="text-2xl font-bold">Open an incident</h1>
      <Card>
        <p className="mb-3 text-sm text-slate-700">
          Opening starts the notification clocks.
          {choices.length > 0 ? " From alerts, the patients the alerting accounts reached in the 24 hours before are found in the audit log and listed by pseudonym." : ""}
        </p>
        <OpenIncidentForm alerts={choices} selected={selected} now={toLocalInput(new Date(), timeZone)} timeZone={timeZone} />
      </Card>
    </div>
  );
}
