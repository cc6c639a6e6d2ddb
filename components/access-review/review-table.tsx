import { DataTable } from "@/components/ui/data-table";
import { roleLabel } from "@/lib/access/roles";
import type { AccessReview } from "@/lib/services/access-review";

const when = (iso: string | null) => (iso ? `${iso.slice(0, 10)}` : "never");

/** The review itself, shared by the administrator's and the auditor's page. */
export function AccessReviewTable({ review }: { review: AccessReview }) {
  const dormant = review.rows.filter((r) => r.dormant).length;
  const pending = review.rows.filter((r) => r.neverActivated).length;
  return (
    <div className="space-y-3">
      <p className="text-sm text-slate-700">
        {review.rows.length} accounts · {dormant} dormant (no sign-in in {review.dormantDays} days) · {pending} never activated.{" "}
        <a className="underline" href="/api/access-review" download>
          Download as CSV
        </a>
      </p>
      <DataTable
        caption="Every account, for the access review"
        rows={review.rows}
        rowKey={(r) => r.userId}
        columns={[
          { header: "Account", cell: (r) => <>{r.name}{r.email ? <span className="block text-xs text-slate-600">{r.email}</span> : null}</> },
          { header: "Role", cell: (r) => roleLabel[r.role] },
          { header: "Care teams", cell: (r) => (r.careTeams.length ? r.careTeams.join(", ") : "—") },
          { header: "Two-step", cell: (r) => (r.mfaEnrolled ? "on" : "off") },
          { header: "Last sign-in", cell: (r) => when(r.lastSignInAt) },
          {
            header: "Status",
            cell: (r) =>
              r.neverActivated ? "Never activated" : r.status === "disabled" ? "Disabled" : r.dormant ? <strong className="text-red-800">Dormant</strong> : "Active",
          },
        ]}
      />
    </div>
  );
}
