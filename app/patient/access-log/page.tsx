import { Card } from "@/components/ui/card";
import { requireActor } from "@/lib/auth/require-actor";
import { myAccessLog } from "@/lib/services/access-log";
import { DataTable } from "@/components/ui/data-table";
import { LocalTime } from "@/components/ui/local-time";

export const metadata = { title: "Who accessed my record" };

export default async function AccessLogPage() {
  const actor = await requireActor("patient");
  const entries = await myAccessLog(actor);
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Who accessed my record</h1>
      <Card>
        {entries.length === 0 ? <p className="text-sm">No staff member has accessed your record yet.</p> : null}
        {entries.length > 0 ? (
          <DataTable
            caption="Staff access to your record, newest first"
            rows={entries}
            rowKey={(e, i) => `${e.at}-${i}`}
            columns={[
              {
                header: "When",
                cell: (e) =>
                  e.times > 1 ? (
                    <>
                      <LocalTime iso={e.at} /> ({e.times} times since <LocalTime iso={e.firstAt} />)
                    </>
                  ) : (
                    <LocalTime iso={e.at} />
                  ),
              },
              { header: "Who", cell: (e) => e.who },
              { header: "Role", cell: (e) => e.role },
              { header: "What", cell: (e) => e.what },
              { header: "Emergency access", cell: (e) => (e.breakGlass ? "yes" : "no") },
            ]}
          />
        ) : null}
      </Card>
    </div>
  );
}
