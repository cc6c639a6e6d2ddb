import { AccessReviewTable } from "@/components/access-review/review-table";
import { Card } from "@/components/ui/card";
import { requireActor } from "@/lib/auth/require-actor";
import { accessReview } from "@/lib/services/access-review";

export const metadata = { title: "Access review" };

export default async function AuditorAccessReviewPage() {
  const actor = await requireActor("auditor");
  const review = await accessReview(actor);
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Access review</h1>
      <Card>
        <AccessReviewTable review={review} />
      </Card>
    </div>
  );
}
