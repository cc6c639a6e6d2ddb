import { Button } from "@/components/ui/button";
import { DataTable } from "@/components/ui/data-table";
import { LocalTime } from "@/components/ui/local-time";
import { Select } from "@/components/ui/select";
import type { QueuedRequest } from "@/lib/services/request-decisions";

const any = { value: "", label: "Any" };
const kinds = ["rectification", "restriction", "objection", "erasure"].map((k) => ({ value: k, label: k }));
const outcomes = [
  { value: "completed", label: "Done" },
  { value: "rejected", label: "Rejected" },
  { value: "cancelled", label: "Cancelled by the patient" },
];
const outcomeWords: Record<string, string> = Object.fromEntries(outcomes.map((o) => [o.value, o.label]));

/** Closed requests with a plain GET filter: the choice is the page's address, so it can be bookmarked or shared. */
export function DecidedRequests({ requests, current }: { requests: QueuedRequest[]; current: Record<string, string> }) {
  return (
    <div className="space-y-4">
      <form method="get" className="grid gap-3 sm:grid-cols-3 sm:items-end" aria-label="Filter decided requests">
        <Select label="Kind" name="kind" defaultValue={current.kind ?? ""} options={[any, ...kinds]} />
        <Select label="Outcome" name="status" defaultValue={current.status ?? ""} options={[any, ...outcomes]} />
        <Button type="submit" variant="secondary">
          Show
        </Button>
      </form>
      {requests.length === 0 ? <p className="text-sm">No decided requests match.</p> : null}
      <DataTable
        caption="Decided requests, newest first"
        rows={requests}
        rowKey={(r) => r.id}
        columns={[
          { header: "Request", cell: (r) => r.summary },
          { header: "Patient", cell: (r) => r.patientPseudonym, className: "font-mono text-xs break-all" },
          { header: "Received", cell: (r) => <LocalTime iso={r.createdAt} /> },
          { header: "Closed", cell: (r) => (r.history.at(-1) ? <LocalTime iso={r.history.at(-1)!.at} /> : "—") },
          { header: "Outcome", cell: (r) => outcomeWords[r.status] ?? r.status },
          { header: "Reason given", cell: (r) => r.decisionReason ?? (r.status === "completed" ? "Applied automatically after checking" : "—") },
        ]}
      />
    </div>
  );
}
