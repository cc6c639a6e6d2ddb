import { DecisionForm, RunErasuresButton } from "@/components/admin/decision-forms";
import { Card } from "@/components/ui/card";
import { requireActor } from "@/lib/auth/require-actor";
import { requestQueue } from "@/lib/services/request-decisions";

export const metadata = { title: "Data subject requests" };

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : "—");

export default async function AdminRequestsPage() {
  const actor = await requireActor("admin");
  const queue = await requestQueue(actor);
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Data subject requests</h1>
      <Card title="Erasure job">
        <p className="mb-2 text-sm">Erasures run when their grace period ends, by the daily erasure-processing job (02:00 UTC; see Jobs).</p>
        <RunErasuresButton />
      </Card>
      {queue.length === 0 ? <p className="text-sm">No open requests.</p> : null}
      {queue.map((r) => (
        <Card key={r.id}>
          <section aria-label={`Request ${r.id.slice(0, 8)}`} className="space-y-2 text-sm">
            <p className="font-medium">
              {r.summary} — <span className="uppercase">{r.status}</span>
            </p>
            <p className="text-slate-700">
              Patient <span className="font-mono">{r.patientPseudonym}</span> · received {day(r.createdAt)} · due {day(r.gdprDueAt)} (GDPR) /{" "}
              {day(r.hipaaDueAt)} (HIPAA)
              {r.executeAfter ? ` · erasure after ${day(r.executeAfter)}` : ""}
            </p>
            <DecisionForm requestId={r.id} canExtend={!r.extendedReason} />
          </section>
        </Card>
      ))}
    </div>
  );
}
