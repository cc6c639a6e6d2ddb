import { redirect } from "next/navigation";
import { roleHome } from "@/lib/access/roles";
import { requireActor } from "@/lib/auth/require-actor";

export default async function Home() {
  const actor = await requireActor();
  redirect(roleHome[actor.role]);
}
