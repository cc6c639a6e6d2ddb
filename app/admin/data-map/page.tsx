import { DataMapView } from "@/components/compliance/data-map-view";
import { requireActor } from "@/lib/auth/require-actor";
import { readDataMap } from "@/lib/services/data-map";

export const metadata = { title: "Records of processing" };

export default async function AdminDataMapPage() {
  const actor = await requireActor("admin");
  return <DataMapView rows={await readDataMap(actor)} />;
}
