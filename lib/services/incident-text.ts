import "server-only";
import type { JsonValue } from "@/lib/audit/canonical";
import { openSystem, sealSystem } from "@/lib/crypto/secret";

type Table = "incident" | "incident_task";

/** Staff-written text (it may name a patient) is sealed under the system key, bound to its row and column. */
export const sealIncidentText = (table: Table, column: string, rowId: string, value: string) => sealSystem(value, { table, column, rowId });
export const openIncidentText = (table: Table, column: string, rowId: string, value: string) => openSystem(value, { table, column, rowId });

/** Audit details are JSON: dates become ISO strings, undefined is dropped. */
export function json(value: object): { [key: string]: JsonValue } {
  return JSON.parse(JSON.stringify(value)) as { [key: string]: JsonValue };
}
