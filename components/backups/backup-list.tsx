import { Card } from "@/components/ui/card";
import { DataTable } from "@/components/ui/data-table";
import { LocalTime } from "@/components/ui/local-time";
import type { BackupsOverview } from "@/lib/services/backups";
import { BackUpNowButton, RunDrillButton } from "./backup-buttons";

const megabytes = (bytes: number) => `${(bytes / 1_048_576).toFixed(bytes < 1_048_576 ? 2 : 1)} MB`;

/** Administrators' view of the backups: what is kept, the last restore drill, and the two buttons. */
export function BackupList({ overview }: { overview: BackupsOverview }) {
  const { backups, lastDrill } = overview;
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Backups</h1>
      <Card title="Last drill">
        {lastDrill ? (
          <p className="text-sm">
            <span className={lastDrill.ok ? "font-semibold text-green-800" : "font-semibold text-red-700"}>{lastDrill.ok ? "Passed" : "Failed"}</span>
            {" · "}
            <LocalTime iso={lastDrill.at} /> · backup <span className="font-mono break-all">{lastDrill.backupId}</span>
            {lastDrill.failed.length > 0 ? <> · failed checks: {lastDrill.failed.join(", ")}</> : null}
          </p>
        ) : (
          <p className="text-sm">No drill has run yet.</p>
        )}
        <div className="mt-3 flex flex-wrap gap-4">
          <RunDrillButton />
          <BackUpNowButton />
        </div>
      </Card>
      <Card title="Kept backups">
        {backups.length === 0 ? <p className="text-sm">No backup yet.</p> : null}
        <DataTable
          caption="Backups, newest first"
          rows={backups}
          rowKey={(b) => b.id}
          columns={[
            { header: "Taken", cell: (b) => <LocalTime iso={b.createdAt} /> },
            { header: "Backup", cell: (b) => <span className="font-mono break-all">{b.id}</span> },
            { header: "Size", cell: (b) => megabytes(b.size) },
            { header: "Key id", cell: (b) => <span className="font-mono">{b.keyId}</span> },
            { header: "Audit chain head", cell: (b) => <span className="font-mono break-all">{b.chainHead ?? "—"}</span> },
            { header: "Data keys", cell: (b) => (b.keysKept ? "Kept" : "Past their window") },
          ]}
        />
      </Card>
    </div>
  );
}
