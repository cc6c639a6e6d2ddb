import { LocalTime } from "@/components/ui/local-time";
import type { ReactNode } from "react";
import Link from "next/link";
import { Card } from "@/components/ui/card";
import { DataTable } from "@/components/ui/data-table";
import { formatInZone, toLocalInput } from "@/lib/incidents/clocks";
import { taskLabel, taskStatusLabel } from "@/lib/incidents/labels";
import type { IncidentView, TaskView } from "@/lib/services/incidents";
import { Countdown } from "./countdown";
import { AffectedForm, CloseIncidentForm, CompleteTaskForm, IncidentTimesForm, RiskForm, StateCountsForm } from "./incident-forms";

const acquiredLabel = { acquired: "Acquired", viewed: "Viewed", neither: "Neither acquired nor viewed", unknown: "Not known yet" } as const;
const conclusionLabel = { breach: "Breach: notification required", low_probability: "Low probability of compromise: no HIPAA notification" } as const;
const gdprLabel = { unlikely: "Unlikely to result in a risk", risk: "A risk to the people concerned", high: "A high risk to the people concerned" } as const;

function Fact({ term, children }: { term: string; children: React.ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-slate-600">{term}</dt>
      <dd className="break-words">{children}</dd>
    </div>
  );
}

function timeLeft(t: TaskView) {
  if (t.status === "open") return <Countdown dueAt={t.dueAt} initial={t.left} />;
  if (t.status === "done") return <>sent <LocalTime iso={t.completedAt!} /></>;
  return "—";
}

/** One incident: its clocks first (what is due, and when), then facts, patients, assessment, closing. */
export function IncidentDetail({ incident: i, lettersHref, breadcrumbs }: { incident: IncidentView; lettersHref: string | null; breadcrumbs: ReactNode }) {
  const zone = i.timeZone;
  const local = (iso: string) => formatInZone(new Date(iso), zone);
  const open = i.status === "open";
  const criterion = i.criteria[0];
  const openTasks = i.tasks.filter((t) => t.status === "open");
  return (
    <div className="space-y-6">
      {breadcrumbs}
      <div className="space-y-1">
        <h1 className="text-2xl font-bold break-words">{i.title}</h1>
        <p className="text-sm text-slate-700">
          {open ? "Open" : `Closed ${local(i.closedAt!)}`} · deadlines shown in {zone}
        </p>
      </div>

      <Card title="Notification clocks">
        {i.tasks.length === 0 ? <p className="text-sm">No notification is required by the current assessment.</p> : null}
        <DataTable
          caption="Notification clocks"
          rows={i.tasks}
          rowKey={(t) => t.id}
          columns={[
            { header: "Notice", cell: (t) => taskLabel[t.kind] },
            { header: "Deadline", cell: (t) => t.dueLocal },
            { header: "Time left", cell: timeLeft },
            { header: "Status", cell: (t) => taskStatusLabel[t.status] },
          ]}
        />
        {i.tasks.some((t) => t.evidence) ? (
          <ul className="mt-3 space-y-1 text-sm">
            {i.tasks.filter((t) => t.evidence).map((t) => (
              <li key={t.id} className="break-words">
                <strong>{taskLabel[t.kind].split(" (")[0]}:</strong> {t.evidence}
                {t.delayReason ? <> · late because: {t.delayReason}</> : null}
              </li>
            ))}
          </ul>
        ) : null}
        {open
          ? openTasks.map((t) => (
              <details key={t.id} className="mt-3">
                <summary className="cursor-pointer text-sm underline">Record “{taskLabel[t.kind].split(" (")[0]}” as sent</summary>
                <div className="mt-2">
                  <CompleteTaskForm taskId={t.id} task={taskLabel[t.kind].split(" (")[0]!} late={t.overdue} />
                </div>
              </details>
            ))
          : null}
      </Card>

      <Card title="What happened">
        <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2">
          <Fact term="Discovered">{local(i.discoveredAt)}</Fact>
          <Fact term="Aware of a breach">{local(i.awareAt)}</Fact>
          <Fact term="Opened">{local(i.openedAt)}</Fact>
          <Fact term="From alerts">{i.alertIds.length === 0 ? "opened by hand" : `${i.alertIds.length} alert${i.alertIds.length === 1 ? "" : "s"}`}</Fact>
        </dl>
        <p className="mt-3 text-sm break-words whitespace-pre-line">{i.description}</p>
        {open ? (
          <details className="mt-3">
            <summary className="cursor-pointer text-sm underline">Correct discovery or awareness</summary>
            <div className="mt-2">
              <IncidentTimesForm incidentId={i.id} discoveredAt={toLocalInput(new Date(i.discoveredAt), zone)} awareAt={toLocalInput(new Date(i.awareAt), zone)} timeZone={zone} />
            </div>
          </details>
        ) : null}
      </Card>

      <Card title="Affected patients">
        <p className="text-sm">
          <strong>{i.affectedCount}</strong> patient{i.affectedCount === 1 ? "" : "s"} found in the audit log
          {criterion ? <> (account <span className="font-mono">{criterion.actorId.slice(0, 8)}</span>, {local(criterion.from)} to {local(criterion.to)})</> : null}.
          Patients are shown by pseudonym only.
        </p>
        {i.patients.length > 0 ? (
          <details className="mt-2 text-sm">
            <summary className="cursor-pointer underline">Pseudonyms</summary>
            <ul className="mt-1 font-mono break-all">
              {i.patients.map((p) => <li key={p}>{p}</li>)}
            </ul>
          </details>
        ) : null}
        {lettersHref && i.affectedCount > 0 && i.riskConclusion === "breach" ? (
          <p className="mt-3 text-sm">
            <Link className="underline" href={lettersHref}>Print notification letters</Link> (shows names and addresses; each letter is recorded in the audit log)
          </p>
        ) : null}
        {open ? (
          <div className="mt-4 space-y-6">
            <AffectedForm
              incidentId={i.id}
              actorId={criterion?.actorId ?? ""}
              from={toLocalInput(new Date(criterion?.from ?? new Date(i.discoveredAt).getTime() - 86_400_000), zone)}
              to={toLocalInput(new Date(criterion?.to ?? i.openedAt), zone)}
              timeZone={zone}
            />
            <StateCountsForm incidentId={i.id} current={Object.entries(i.stateCounts).map(([s, n]) => `${s} ${n}`).join("\n")} />
          </div>
        ) : null}
        {i.mediaStates.length > 0 ? <p className="mt-3 text-sm">More than 500 residents affected in: {i.mediaStates.join(", ")}.</p> : null}
      </Card>

      <Card title="Risk assessment">
        {i.risk ? (
          <dl className="mb-4 grid gap-2 text-sm">
            <Fact term="Conclusion">{conclusionLabel[i.riskConclusion!]}</Fact>
            <Fact term="GDPR">{gdprLabel[i.gdprRisk!]}</Fact>
            <Fact term="Acquired or viewed">{acquiredLabel[i.risk.acquired]}</Fact>
            <Fact term="Assessed">{local(i.assessedAt!)}</Fact>
          </dl>
        ) : (
          <p className="mb-4 text-sm">Not assessed yet: until it is, the incident is presumed a breach and every clock runs.</p>
        )}
        {open ? <RiskForm incidentId={i.id} current={i.risk ? { ...i.risk, conclusion: i.riskConclusion!, gdprRisk: i.gdprRisk! } : null} /> : null}
      </Card>

      <Card title={open ? "Close the incident" : "Root cause"}>
        {open ? <CloseIncidentForm incidentId={i.id} /> : <p className="text-sm break-words whitespace-pre-line">{i.rootCause}</p>}
      </Card>
    </div>
  );
}
