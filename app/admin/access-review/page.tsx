import { AccessReviewTable } from "@/components/access-review/review-table";
import { DisableDormantForm } from "@/components/access-review/disable-dormant-form";
import { Card } from "@/components/ui/card";
import { requireActor } from "@/lib/auth/require-actor";
import { accessReview } from "@/lib/services/access-review";

export const metadata = { title: "Access review" };

export default async function AdminAccessReviewPage() {
  const actor = await requireActor("admin");
  const review = await accessReview(actor);
  const sweepable = review.rows.filter((r) => r.dormant && r.role !== "patient" && r.userId !== actor.userId).length;
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Access review</h1>
      <Card title="Disable dormant staff accounts">
        <p className="mb-3 text-sm text-slate-700">
          Staff accounts with no sign-in in {review.dormantDays} days are disabled at once; their sessions end and the auditors
          are alerted. Patient accounts are not included. Re-enable anyone who still needs access on the Staff page.
        </p>
        <DisableDormantForm count={sweepable} />
      </Card>
      <Card>
        <AccessReviewTable review={review} />
      </Card>
    </div>
  );
}
