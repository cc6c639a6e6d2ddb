import { DecisionForm, RunErasuresButton } from "@/components/admin/decision-forms";
import { DecidedRequests } from "@/components/admin/decided-requests";
import { Alert } from "@/components/ui/alert";
import { Card } from "@/components/ui/card";
import { requireActor } from "@/lib/auth/require-actor";
import { formError } from "@/lib/http/errors";
import { refusalSentences } from "@/lib/validation/form-state";
import { decidedRequests, requestQueue } from "@/lib/services/request-decisions";

export const metadata = { title: "Data subject requests" };

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : "—");

export default async function AdminRequestsPage({ searchParams }: PageProps<"/admin/requests">) {
  const actor = await requireActor("admin");
  const params = Object.fromEntries(Object.entries(await searchParams).filter((e): e is [string, string] => typeof e[1] === "string"));
  const queue = await requestQueue(actor);
  const decided = await decidedRequests(actor, params).catch(formError);
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Data subject requests</h1>
      <Card title="Erasure job">
        <p className="mb-2 text-sm">
          An approved erasure runs by itself once its grace period ends, in the daily erasure-processing job (02:00 UTC; see Jobs). You can also
          run the due ones now.
        </p>
        <RunErasuresButton />
      </Card>
      <h2 className="text-xl font-semibold">Open requests</h2>
      {queue.length === 0 ? <p className="text-sm">No open requests. New ones appear here, soonest deadline first.</p> : null}
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
            <DecisionForm requestId={r.id} canDecide={!r.decisionReason} canExtend={!r.extendedReason} />
          </section>
        </Card>
      ))}
      <Card title="Decided requests">
        {Array.isArray(decided) ? (
          <DecidedRequests requests={decided} current={params} />
        ) : (
          <Alert tone="error">{refusalSentences(decided)}</Alert>
        )}
      </Card>
    </div>
  );
}
