import { requireActor } from "@/lib/auth/require-actor";
import { csvLine } from "@/lib/http/csv";
import { jsonError } from "@/lib/http/errors";
import { exportAuditEvents, type AuditEventView } from "@/lib/services/audit-log";

const columns: (keyof AuditEventView)[] = [
  "seq", "occurredAt", "actorId", "actorRole", "action", "resourceType", "resourceId",
  "patientPseudonym", "outcome", "ip", "userAgent", "requestId", "details", "chainSeq", "hash",
];

/** Streams the filtered log page by page, so an export of millions of events never sits in memory. */
export async function GET(request: Request) {
  const actor = await requireActor("auditor");
  const params = Object.fromEntries(new URL(request.url).searchParams);
  const { format = "csv", ...filters } = params;
  if (format !== "csv" && format !== "json") return Response.json({ error: "format must be csv or json" }, { status: 400 });
  let events: AsyncGenerator<AuditEventView>;
  let first: IteratorResult<AuditEventView>;
  try {
    events = exportAuditEvents(actor, filters, format);
    first = await events.next();
  } catch (error) {
    return jsonError(error);
  }
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const emit = (text: string) => controller.enqueue(encoder.encode(text));
      emit(format === "csv" ? csvLine(columns) : "[\n");
      let index = 0;
      for (let next = first; !next.done; next = await events.next()) {
        const event = next.value;
        emit(format === "csv" ? csvLine(columns.map((c) => event[c])) : `${index++ === 0 ? "" : ",\n"}${JSON.stringify(event)}`);
      }
      if (format === "json") emit("\n]\n");
      controller.close();
    },
  });
  return new Response(body, {
    headers: {
      "Content-Type": format === "csv" ? "text/csv; charset=utf-8" : "application/json",
      "Content-Disposition": `attachment; filename="audit-events.${format}"`,
    },
  });
}
