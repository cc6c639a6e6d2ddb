import "server-only";
import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { processDueErasures } from "./erasure";

/** The admin's "run now" for the scheduled erasure job; the job itself decides what is due. */
export async function runDueErasures(actor: Actor): Promise<number> {
  await authorize(actor, "erasure.manage");
  return processDueErasures(actor.request);
}
