import { requireActor } from "@/lib/auth/require-actor";
import { exportContentType, renderExport } from "@/lib/export/render";
import { jsonError } from "@/lib/http/errors";
import { openExport, type ExportFormat } from "@/lib/services/export";

const formats: ExportFormat[] = ["json", "csv", "fhir"];

/** Streams the patient's whole record as JSON, a zip of CSV files, or a FHIR R4 Bundle. */
export async function GET(request: Request) {
  const actor = await requireActor("patient");
  const format = new URL(request.url).searchParams.get("format") as ExportFormat;
  if (!formats.includes(format)) return Response.json({ error: "format must be json, csv or fhir" }, { status: 400 });
  let chunks: AsyncGenerator<string | Uint8Array>;
  try {
    chunks = renderExport(await openExport(actor, format), format);
  } catch (error) {
    return jsonError(error);
  }
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(typeof next.value === "string" ? encoder.encode(next.value) : next.value);
    },
    // The download was abandoned: end the export's snapshot now rather than when its time runs out.
    async cancel() {
      await chunks.return(undefined);
    },
  });
  const { type, file } = exportContentType[format];
  return new Response(body, { headers: { "Content-Type": type, "Content-Disposition": `attachment; filename="${file}"` } });
}
