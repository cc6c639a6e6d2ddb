import "server-only";
import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { withActor, type ActorContext } from "@/lib/db/transaction";

export async function createCareTeam(ctx: ActorContext, name: string): Promise<string> {
  const team = await ctx.tx.careTeam.create({ data: { name } });
  ctx.audit({ action: "care_team.create", resourceType: "care_team", resourceId: team.id });
  return team.id;
}

export async function addCareTeamMember(ctx: ActorContext, teamId: string, userId: string): Promise<void> {
  await ctx.tx.careTeamMember.create({ data: { teamId, userId } });
  ctx.audit({ action: "care_team.add_member", resourceType: "care_team", resourceId: teamId, details: { userId } });
}

export async function assignPatientToTeam(ctx: ActorContext, teamId: string, patientId: string): Promise<void> {
  await ctx.tx.careTeamPatient.create({ data: { teamId, patientId } });
  ctx.audit({ action: "care_team.assign_patient", resourceType: "care_team", resourceId: teamId, patientId });
}

export interface TeamChoice {
  id: string;
  name: string;
}

/** The clinician's own care teams (RLS shows a clinician only the teams they belong to). */
export async function myCareTeams(actor: Actor): Promise<TeamChoice[]> {
  await authorize(actor, "patients.register");
  return withActor(actor, ({ tx }) =>
    tx.careTeam.findMany({ where: { members: { some: { userId: actor.userId } } }, select: { id: true, name: true }, orderBy: { name: "asc" } }),
  );
}
