import { RetentionForm } from "@/components/admin/retention-form";
import { Card } from "@/components/ui/card";
import { DataTable } from "@/components/ui/data-table";
import { requireActor } from "@/lib/auth/require-actor";
import { retentionOverview } from "@/lib/services/retention";

export const metadata = { title: "Retention" };

export default async function AdminRetentionPage() {
  const actor = await requireActor("admin");
  const rows = await retentionOverview(actor);
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Retention</h1>
      <p className="text-sm">
        Each kind of data is removed once it is older than its period, by the daily retention job (02:30 UTC). &ldquo;Due now&rdquo; is a dry run:
        what that job would remove if it ran now. Clinical records kept after an erasure keep the date set when the patient was erased.
      </p>
      <Card title="Periods and dry run">
        <DataTable
          caption="Retention periods, with what the next run would remove"
          rows={rows}
          rowKey={(r) => r.category}
          columns={[
            { header: "Data", cell: (r) => r.label },
            { header: "Due now", cell: (r) => r.due.toLocaleString("en-US") },
            { header: "Period", cell: (r) => <RetentionForm category={r.category} label={r.label} days={r.days} min={r.min} max={r.max} /> },
          ]}
        />
      </Card>
    </div>
  );
}
