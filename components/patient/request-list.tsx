import { cancelRequestAction } from "@/app/patient/actions";
import { Button } from "@/components/ui/button";
import type { RequestView } from "@/lib/services/data-requests";

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : "—");

/** A request's state as the patient reads it; stored codes stay out of the page. */
const statusWords: Record<string, string> = {
  pending: "waiting for a decision",
  scheduled: "scheduled",
  completed: "done",
  rejected: "refused",
  cancelled: "cancelled",
};
const byWords: Record<string, string> = { system: "automatically", admin: "by the privacy team" };

export function RequestList({ requests, cancellable }: { requests: RequestView[]; cancellable: boolean }) {
  if (requests.length === 0) return <p className="text-sm">No requests yet.</p>;
  return (
    <ul className="space-y-4">
      {requests.map((r) => (
        <li key={r.id} className="rounded border border-slate-200 p-3 text-sm" aria-label={`${r.kind} request`}>
          <p className="font-medium">
            {r.summary} — <span>{statusWords[r.status] ?? r.status}</span>
          </p>
          <p className="text-slate-700">
            Asked {day(r.createdAt)} · answer due by {day(r.gdprDueAt)} (GDPR) / {day(r.hipaaDueAt)} (HIPAA)
            {r.executeAfter && r.status === "scheduled" ? ` · erasure runs after ${day(r.executeAfter)}` : ""}
          </p>
          {r.extendedReason ? <p>Deadline extended: {r.extendedReason}</p> : null}
          {r.decisionReason ? <p>Decision: {r.decisionReason}</p> : null}
          <ol className="mt-1 list-inside list-decimal text-slate-700">
            {r.history.map((h) => (
              <li key={`${h.at}-${h.status}`}>
                {day(h.at)}: {h.note}
                {h.by === "patient" ? "" : ` (${byWords[h.by] ?? "staff"})`}
              </li>
            ))}
          </ol>
          {cancellable && (r.status === "pending" || r.status === "scheduled") ? (
            <form action={cancelRequestAction} className="mt-2">
              <input type="hidden" name="requestId" value={r.id} />
              <Button type="submit" variant="secondary">
                Cancel this request
              </Button>
            </form>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
