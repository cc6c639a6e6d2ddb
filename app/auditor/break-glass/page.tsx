import { ReviewForm } from "@/components/auditor/review-form";
import { Card } from "@/components/ui/card";
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
            {u.createdAt.replace("T", " ").slice(0, 19)} UTC · clinician <span className="font-mono">{u.clinicianId.slice(0, 8)}</span> ·
            patient <span className="font-mono">{u.patientPseudonym}</span> · until {u.expiresAt.replace("T", " ").slice(0, 16)}
          </p>
          <blockquote className="my-2 border-l-4 border-slate-300 pl-3 text-sm">{u.reason ?? ERASED}</blockquote>
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
