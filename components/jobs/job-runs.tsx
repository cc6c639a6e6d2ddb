import { Card } from "@/components/ui/card";
import { DataTable } from "@/components/ui/data-table";
import { LocalTime } from "@/components/ui/local-time";
import type { JobRunView, ScheduleView } from "@/lib/services/job-history";

const statusWords: Record<JobRunView["status"], string> = {
  running: "Running",
  succeeded: "Done",
  failed: "Failed",
  abandoned: "Stopped (process ended)",
};

/** The scheduled jobs and their recent runs: one page for administrators and auditors alike. */
export function JobRuns({ schedule, runs }: { schedule: ScheduleView[]; runs: JobRunView[] }) {
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Scheduled jobs</h1>
      <Card title="Schedule (UTC)">
        <DataTable
          caption="Scheduled jobs"
          rows={schedule}
          rowKey={(s) => s.task}
          columns={[
            { header: "Job", cell: (s) => <span className="font-mono">{s.task}</span> },
            { header: "When (cron)", cell: (s) => <span className="font-mono">{s.cron}</span> },
            { header: "What it does", cell: (s) => s.description },
          ]}
        />
      </Card>
      <Card title="Recent runs">
        {runs.length === 0 ? <p className="text-sm">No job has run yet.</p> : null}
        <DataTable
          caption="Recent job runs, newest first"
          rows={runs}
          rowKey={(r) => r.id}
          columns={[
            { header: "Job", cell: (r) => <span className="font-mono">{r.task}</span> },
            { header: "Attempt", cell: (r) => r.attempt },
            { header: "Status", cell: (r) => <span className={r.status === "failed" ? "font-semibold text-red-700" : undefined}>{statusWords[r.status]}</span> },
            { header: "Started", cell: (r) => <LocalTime iso={r.startedAt} /> },
            { header: "Finished", cell: (r) => (r.finishedAt ? <LocalTime iso={r.finishedAt} /> : "—") },
            { header: "Result", cell: (r) => r.error ?? (r.status === "succeeded" ? JSON.stringify(r.summary) : "—"), className: "break-all" },
          ]}
        />
      </Card>
    </div>
  );
}
