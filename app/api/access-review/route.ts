import { requireActor } from "@/lib/auth/require-actor";
import { csvLine } from "@/lib/http/csv";
import { jsonError } from "@/lib/http/errors";
import { accessReview, type AccessReviewRow } from "@/lib/services/access-review";

const columns: (keyof AccessReviewRow)[] = ["userId", "name", "email", "role", "careTeams", "mfaEnrolled", "lastSignInAt", "status", "dormant", "neverActivated"];

/** The access review as CSV, for administrators and auditors (the service decides; cells are neutralised). */
export async function GET() {
  const actor = await requireActor();
  try {
    const { rows } = await accessReview(actor);
    const body = [csvLine(columns), ...rows.map((r) => csvLine(columns.map((c) => (c === "careTeams" ? r.careTeams.join("; ") : r[c]))))].join("");
    return new Response(body, {
      headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="access-review.csv"`, "Cache-Control": "no-store" },
    });
  } catch (error) {
    return jsonError(error);
  }
}
