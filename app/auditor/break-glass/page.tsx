import Link from "next/link";
import { ReviewForm } from "@/components/auditor/review-form";
import { Card } from "@/components/ui/card";
import { LocalTime } from "@/components/ui/local-time";
import { requireActor } from "@/lib/auth/require-actor";
import { listBreakGlassUses } from "@/lib/services/break-glass-review";

export const metadata = { title: "Break-glass review" };

const ERASED = "Erased with the patient's data";

export default async function BreakGlassReviewPage() {
  const actor = await requireActor("auditor");
  const uses = await listBreakGlassUses(actor);
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Break-glass review</h1>
      {uses.length === 0 ? <p className="text-sm">No break-glass access has been used.</p> : null}
      {uses.map((u) => (
        <Card key={u.grantId}>
          <p className="text-sm">
            <LocalTime iso={u.createdAt} /> · {u.clinicianName ?? "Unknown clinician"} (clinician) · patient{" "}
            <span className="font-mono">{u.patientPseudonym}</span> · until <LocalTime iso={u.expiresAt} />
          </p>
          <blockquote className="my-2 border-l-4 border-slate-300 pl-3 text-sm">{u.reason ?? ERASED}</blockquote>
          <details className="mb-2 text-sm">
            <summary className="cursor-pointer underline">What they did during the access ({u.activity.length} events)</summary>
            {u.activity.length === 0 ? (
              <p className="mt-1">No activity with this patient during the access.</p>
            ) : (
              <ol className="mt-1 space-y-1 pl-1">
                {u.activity.map((e) => (
                  <li key={e.seq}>
                    <LocalTime iso={e.at} /> · <span className="font-mono">{e.action}</span>
                    {e.outcome === "allowed" ? "" : <strong className="text-red-800"> ({e.outcome})</strong>} ·{" "}
                    <Link className="underline" href={`/auditor/events/${e.seq}`}>
                      event {e.seq}
                    </Link>
                  </li>
                ))}
              </ol>
            )}
          </details>
          {u.review ? (
            <p className="text-sm">
              <strong>{u.review.decision}</strong>: {u.review.comment ?? ERASED}
            </p>
          ) : (
            <ReviewForm grantId={u.grantId} />
          )}
        </Card>
      ))}
    </div>
  );
}
