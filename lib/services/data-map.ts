import "server-only";
import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { dataMapRows, type DataMapRow } from "@/lib/compliance/data-map-rows";
import { recordActorEvents } from "@/lib/db/transaction";

export type { DataMapRow };

/**
 * The records of processing (GDPR Art. 30) for administrators and auditors. The map describes the database, not
 * a person, but who read or exported it is still recorded.
 */
export async function readDataMap(actor: Actor, use: { export?: "csv" | "json" } = {}): Promise<DataMapRow[]> {
  await authorize(actor, "dataMap.read", { resourceType: "data_map" });
  const rows = dataMapRows();
  await recordActorEvents(actor, [
    use.export
      ? { action: "data_map.export", resourceType: "data_map", details: { format: use.export, columns: rows.length } }
      : { action: "data_map.view", resourceType: "data_map", details: { columns: rows.length } },
  ]);
  return rows;
}
