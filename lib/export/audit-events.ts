import "server-only";
import { csvLine } from "@/lib/http/csv";
import type { AuditEventView } from "@/lib/services/audit-log";

const columns: (keyof AuditEventView)[] = [
  "seq", "occurredAt", "actorId", "actorRole", "action", "resourceType", "resourceId",
  "patientPseudonym", "outcome", "ip", "userAgent", "addressRemovedAfterDays", "requestId", "details", "chainSeq", "hash",
];

export const auditExportContentType = {
  csv: { type: "text/csv; charset=utf-8", file: "audit-events.csv" },
  json: { type: "application/json", file: "audit-events.json" },
} as const;

/**
 * The auditor's export as text, one event per chunk, pulled: nothing is read before the reader asks for it.
 * `first` is the event the route already read (so a refused filter answers with an error, not a broken
 * download). Returning early (the download was abandoned) returns `events`, which ends its snapshot.
 */
export async function* renderAuditExport(
  first: IteratorResult<AuditEventView>,
  events: AsyncGenerator<AuditEventView>,
  format: "csv" | "json",
): AsyncGenerator<string> {
  try {
    yield format === "csv" ? csvLine(columns) : "[\n";
    let index = 0;
    for (let next = first; !next.done; next = await events.next()) {
      const event = next.value;
      yield format === "csv" ? csvLine(columns.map((c) => event[c])) : `${index++ === 0 ? "" : ",\n"}${JSON.stringify(event)}`;
    }
    if (format === "json") yield "\n]\n";
  } finally {
    await events.return(undefined);
  }
}
