import { requireActor } from "@/lib/auth/require-actor";
import { auditExportContentType, renderAuditExport } from "@/lib/export/audit-events";
import { jsonError } from "@/lib/http/errors";
import { exportAuditEvents, type AuditEventView } from "@/lib/services/audit-log";

/** Streams the filtered log from one snapshot, as fast as the client reads it and no faster. */
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
  const chunks = renderAuditExport(first, events, format);
  const encoder = new TextEncoder();
  // pull, not a loop in start(): the next event is read only when the client has taken the last one.
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    // The download was abandoned: end the export's snapshot now rather than when its time runs out.
    async cancel() {
      await chunks.return(undefined);
    },
  });
  const { type, file } = auditExportContentType[format];
  return new Response(body, { headers: { "Content-Type": type, "Content-Disposition": `attachment; filename="${file}"` } });
}
