import { requireActor } from "@/lib/auth/require-actor";
import { csvLine } from "@/lib/http/csv";
import { jsonError } from "@/lib/http/errors";
import { dataMapColumns } from "@/lib/compliance/data-map-rows";
import { readDataMap } from "@/lib/services/data-map";

/** The records of processing as CSV or JSON, for administrators and auditors (the service decides). */
export async function GET(request: Request) {
  const actor = await requireActor();
  const format = new URL(request.url).searchParams.get("format") ?? "csv";
  if (format !== "csv" && format !== "json") return Response.json({ error: "format must be csv or json" }, { status: 400 });
  try {
    const rows = await readDataMap(actor, { export: format });
    const body = format === "csv" ? [csvLine(dataMapColumns), ...rows.map((r) => csvLine(dataMapColumns.map((c) => r[c])))].join("") : `${JSON.stringify(rows, null, 2)}\n`;
    return new Response(body, {
      headers: {
        "Content-Type": format === "csv" ? "text/csv; charset=utf-8" : "application/json",
        "Content-Disposition": `attachment; filename="records-of-processing.${format}"`,
      },
    });
  } catch (error) {
    return jsonError(error);
  }
}
