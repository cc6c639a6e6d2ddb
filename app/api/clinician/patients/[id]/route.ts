import { requireActor } from "@/lib/auth/require-actor";
import { jsonError } from "@/lib/http/errors";
import { getChart } from "@/lib/services/chart";

/** The chart as JSON for integrations; the same service, audit and bulk-access guard as the page. */
export async function GET(_request: Request, { params }: RouteContext<"/api/clinician/patients/[id]">) {
  const actor = await requireActor("clinician");
  const { id } = await params;
  try {
    return Response.json(await getChart(actor, id));
  } catch (error) {
    return jsonError(error);
  }
}
