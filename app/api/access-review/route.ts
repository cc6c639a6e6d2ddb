import { requireActor } from "@/lib/auth/require-actor";
import { jsonError } from "@/lib/http/errors";
import { accessReview, accessReviewCsv } from "@/lib/services/access-review";

/** The access review as CSV, for administrators and auditors (the service decides who may). */
export async function GET() {
  const actor = await requireActor();
  try {
    const { rows } = await accessReview(actor);
    return new Response(accessReviewCsv(rows), {
      headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="access-review.csv"`, "Cache-Control": "no-store" },
    });
  } catch (error) {
    return jsonError(error);
  }
}
