import { requireActor } from "@/lib/auth/require-actor";
import { loadControls } from "@/lib/compliance/controls";
import { controlsCsv } from "@/lib/compliance/render";

export async function GET() {
  await requireActor("auditor");
  return new Response(controlsCsv(loadControls()), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": 'attachment; filename="compliance-controls.csv"',
    },
  });
}
