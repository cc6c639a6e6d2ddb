import "server-only";
import type { Actor } from "@/lib/access/actor";
import { authorize, recordDenial } from "@/lib/access/authorize";
import { raisePrivilegeAlert } from "@/lib/alerts/privilege";
import { Conflict, NotFound } from "@/lib/access/errors";
import { blindIndex } from "@/lib/crypto/blind-index";
import { pseudonym } from "@/lib/crypto/pseudonym";
import { openSystem } from "@/lib/crypto/secret";
import { refusingDuplicate } from "@/lib/db/errors";
import { withActor, withSystem, type Tx } from "@/lib/db/transaction";
import { assignMrnSchema, assignOwnSchema, careTeamSchema, clinicHoursSchema, membershipSchema, newCareTeamSchema, renameCareTeamSchema } from "@/lib/validation/care-teams";

export interface CareTeamView {
  id: string;
  name: string;
  members: { userId: string; displayName: string; active: boolean }[];
  patientCount: number;
  /** The team's own clinic hours for the after-hours rule; null: the global setting. */
  clinicHours: TeamClinicHours | null;
}

export interface TeamClinicHours {
  hours: string;
  days: string;
  timeZone: string;
}

const hoursOf = (t: { clinicHours: string | null; clinicDays: string | null; clinicTimeZone: string | null }): TeamClinicHours | null =>
  t.clinicHours && t.clinicDays && t.clinicTimeZone ? { hours: t.clinicHours, days: t.clinicDays, timeZone: t.clinicTimeZone } : null;

export interface ClinicianChoice {
  id: string;
  displayName: string;
}

const nameOf = (u: { id: string; displayNameEnc: string }) => openSystem(u.displayNameEnc, { table: "app_user", column: "display_name_enc", rowId: u.id });

/** Every care team with its clinicians and how many patients it holds (a count: administrators read no PHI). */
export async function listCareTeams(actor: Actor): Promise<{ teams: CareTeamView[]; clinicians: ClinicianChoice[] }> {
  await authorize(actor, "careTeams.manage");
  return withActor(actor, async ({ tx, audit }) => {
    const teams = await tx.careTeam.findMany({
      include: { members: { include: { user: true } }, _count: { select: { patients: true } } },
      orderBy: { name: "asc" },
    });
    const clinicians = await tx.user.findMany({ where: { role: "clinician", disabledAt: null }, orderBy: { createdAt: "asc" } });
    audit({ action: "care_team.list", details: { returned: teams.length } });
    return {
      teams: teams.map((t) => ({
        id: t.id,
        name: t.name,
        members: t.members
          .map((m) => ({ userId: m.userId, displayName: nameOf(m.user), active: m.user.disabledAt === null && m.user.role === "clinician" }))
          .sort((a, b) => a.displayName.localeCompare(b.displayName)),
        patientCount: t._count.patients,
        clinicHours: hoursOf(t),
      })),
      clinicians: clinicians.map((u) => ({ id: u.id, displayName: nameOf(u) })),
    };
  });
}

/** Also when two administrators pick the same name at once: the unique key on the name refuses the second. */
const duplicateTeam = () => new Conflict("A care team with this name already exists.");

export async function createCareTeamAs(actor: Actor, raw: unknown): Promise<string> {
  await authorize(actor, "careTeams.manage");
  const { name } = newCareTeamSchema.parse(raw);
  return refusingDuplicate(
    withActor(actor, async ({ tx, audit }) => {
      if (await tx.careTeam.findUnique({ where: { name } })) throw duplicateTeam();
      const team = await tx.careTeam.create({ data: { name } });
      audit({ action: "care_team.create", resourceType: "care_team", resourceId: team.id, details: { name } });
      return team.id;
    }),
    duplicateTeam,
  );
}

export async function renameCareTeam(actor: Actor, raw: unknown): Promise<void> {
  await authorize(actor, "careTeams.manage");
  const { teamId, name } = renameCareTeamSchema.parse(raw);
  await refusingDuplicate(
    withActor(actor, async ({ tx, audit }) => {
      // Locked: two renames of one team at once would otherwise both audit the same "before" name.
      const [team] = await tx.$queryRaw<{ name: string }[]>`SELECT name FROM care_team WHERE id = ${teamId}::uuid FOR UPDATE`;
      if (!team) throw new NotFound("care team");
      if (team.name === name) return;
      if (await tx.careTeam.findUnique({ where: { name } })) throw duplicateTeam();
      await tx.careTeam.update({ where: { id: teamId }, data: { name } });
      audit({ action: "care_team.rename", resourceType: "care_team", resourceId: teamId, details: { before: { name: team.name }, after: { name } } });
    }),
    duplicateTeam,
  );
}

/** Sets a team's own clinic hours (or, all empty, returns it to the global setting); audited before and after. */
export async function setTeamClinicHours(actor: Actor, raw: unknown): Promise<void> {
  await authorize(actor, "careTeams.manage");
  const { teamId, hours, days, timeZone } = clinicHoursSchema.parse(raw);
  const after = hours === "" ? null : { hours, days, timeZone };
  await withActor(actor, async ({ tx, audit }) => {
    const team = await tx.careTeam.findUnique({ where: { id: teamId } });
    if (!team) throw new NotFound("care team");
    await tx.careTeam.update({ where: { id: teamId }, data: { clinicHours: after?.hours ?? null, clinicDays: after?.days ?? null, clinicTimeZone: after?.timeZone ?? null } });
    audit({ action: "care_team.clinic_hours", resourceType: "care_team", resourceId: teamId, details: { before: { ...(hoursOf(team) ?? { global: true }) }, after: { ...(after ?? { global: true }) } } });
  });
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

/**
 * Only an empty team is deleted: deleting one with members or patients would silently take away access (the
 * rows cascade), which must be done one removal at a time, each audited and alerted. The team row is locked
 * first, so an addition racing the deletion either commits before the count (and blocks it) or fails after.
 */
export async function deleteCareTeam(actor: Actor, raw: unknown): Promise<void> {
  await authorize(actor, "careTeams.manage");
  const { teamId } = careTeamSchema.parse(raw);
  await withActor(actor, async ({ tx, audit }) => {
    const [team] = await tx.$queryRaw<{ name: string }[]>`SELECT name FROM care_team WHERE id = ${teamId}::uuid FOR UPDATE`;
    if (!team) throw new NotFound("care team");
    const [members, patients] = await Promise.all([tx.careTeamMember.count({ where: { teamId } }), tx.careTeamPatient.count({ where: { teamId } })]);
    if (members + patients > 0) {
      const blocking = [members ? plural(members, "clinician") : null, patients ? plural(patients, "patient") : null].filter(Boolean).join(" and ");
      throw new Conflict(`This team still has ${blocking}. Remove them first, then delete the team.`);
    }
    await tx.careTeam.delete({ where: { id: teamId } });
    audit({ action: "care_team.delete", resourceType: "care_team", resourceId: teamId, details: { name: team.name } });
  });
}

/** Only an active clinician joins a care team: membership is what grants sight of the team's patients. */
export async function addClinician(actor: Actor, raw: unknown): Promise<void> {
  await authorize(actor, "careTeams.manage");
  const { teamId, userId } = membershipSchema.parse(raw);
  await withActor(actor, async (ctx) => {
    const { tx, audit } = ctx;
    const [team, user] = await Promise.all([tx.careTeam.findUnique({ where: { id: teamId } }), tx.user.findUnique({ where: { id: userId } })]);
    if (!team) throw new NotFound("care team");
    if (!user || user.role !== "clinician" || user.disabledAt) throw new NotFound("clinician");
    const added = await tx.careTeamMember.createMany({ data: { teamId, userId }, skipDuplicates: true });
    if (added.count === 0) throw new Conflict("This clinician is already in the team.");
    audit({ action: "care_team.add_member", resourceType: "care_team", resourceId: teamId, details: { userId } });
    await raisePrivilegeAlert(ctx, actor.userId, { change: "care-team-clinician-added", teamId, userId });
  });
}

/**
 * Takes effect on the clinician's very next request: row-level security reads care_team_member on every
 * query (0009_second_wall), and nothing caches membership, so their next chart read is "not found".
 */
export async function removeClinician(actor: Actor, raw: unknown): Promise<void> {
  await authorize(actor, "careTeams.manage");
  const { teamId, userId } = membershipSchema.parse(raw);
  await withActor(actor, async (ctx) => {
    const removed = await ctx.tx.careTeamMember.deleteMany({ where: { teamId, userId } });
    if (removed.count === 0) throw new NotFound("care team member");
    ctx.audit({ action: "care_team.remove_member", resourceType: "care_team", resourceId: teamId, details: { userId } });
    await raisePrivilegeAlert(ctx, actor.userId, { change: "care-team-clinician-removed", teamId, userId });
  });
}

/** The team (NotFound if there is none) and the patient an MRN names, matched by blind index; null for no such MRN. */
async function patientInTeamScope(tx: Tx, teamId: string, mrn: string): Promise<{ patientId: string } | null> {
  if (!(await tx.careTeam.findUnique({ where: { id: teamId } }))) throw new NotFound("care team");
  return tx.patientIdentity.findUnique({ where: { mrnBidx: blindIndex("mrn", mrn) }, select: { patientId: true } });
}

/**
 * A team's patient list changed by an administrator by MRN, without reading PHI: the MRN is matched through its
 * blind index by the system on the administrator's behalf, and the answer names the patient by pseudonym only.
 * `change` returns whether it changed anything; the refusal says why not. Audited in the administrator's name
 * and raised as a privilege alert: an administrator could otherwise invite a clinician account for themself,
 * add it to a team and assign a patient.
 */
async function changeTeamPatientByMrn(
  actor: Actor,
  raw: unknown,
  change: {
    apply: (tx: Tx, teamId: string, patientId: string) => Promise<boolean>;
    noSuchPatient: string;
    unchanged: string;
    action: string;
    alert: "care-team-patient-added" | "care-team-patient-removed";
  },
): Promise<{ pseudonym: string }> {
  await authorize(actor, "careTeams.manage");
  const { teamId, mrn } = assignMrnSchema.parse(raw);
  return withSystem(
    actor.request,
    async (ctx) => {
      const identity = await patientInTeamScope(ctx.tx, teamId, mrn);
      if (!identity) throw new Conflict(change.noSuchPatient);
      if (!(await change.apply(ctx.tx, teamId, identity.patientId))) throw new Conflict(change.unchanged);
      ctx.audit({ actorId: actor.userId, actorRole: actor.role, action: change.action, resourceType: "care_team", resourceId: teamId, patientId: identity.patientId });
      await raisePrivilegeAlert(ctx, actor.userId, { change: change.alert, teamId, patientPseudonym: pseudonym(identity.patientId) });
      return { pseudonym: pseudonym(identity.patientId) };
    },
    actor.userId,
  );
}

/** An administrator puts a patient into a care team by MRN. */
export function assignPatientByMrn(actor: Actor, raw: unknown): Promise<{ pseudonym: string }> {
  return changeTeamPatientByMrn(actor, raw, {
    apply: async (tx, teamId, patientId) => (await tx.careTeamPatient.createMany({ data: { teamId, patientId }, skipDuplicates: true })).count > 0,
    noSuchPatient: "No patient has this MRN. Check it, or ask a clinician to register the patient.",
    unchanged: "This patient is already in the team.",
    action: "care_team.assign_patient",
    alert: "care-team-patient-added",
  });
}

/**
 * The reverse of assignPatientByMrn. Takes effect on the team's clinicians' next request, like removing a
 * clinician. A patient may be left in no team: registered, seen by nobody until an administrator assigns them
 * again (or a clinician uses break-glass).
 */
export function removePatientByMrn(actor: Actor, raw: unknown): Promise<{ pseudonym: string }> {
  const notInTeam = "No patient with this MRN is in the team. Check the MRN.";
  return changeTeamPatientByMrn(actor, raw, {
    apply: async (tx, teamId, patientId) => (await tx.careTeamPatient.deleteMany({ where: { teamId, patientId } })).count > 0,
    noSuchPatient: notInTeam,
    unchanged: notInTeam,
    action: "care_team.remove_patient",
    alert: "care-team-patient-removed",
  });
}

/**
 * A clinician adds a patient to another of their own teams (a referral within their practice). Only a patient
 * they already see through a care team: a patient outside them needs an administrator, or break-glass, since
 * assigning oneself would be emergency access without its time limit and review.
 */
export async function assignPatientToOwnTeam(actor: Actor, raw: unknown): Promise<void> {
  await authorize(actor, "careTeams.assignOwn");
  const { teamId, patientId } = assignOwnSchema.parse(raw);
  const [mine, seen] = await withActor(actor, ({ tx }) =>
    Promise.all([
      tx.careTeamMember.findUnique({ where: { teamId_userId: { teamId, userId: actor.userId } } }),
      // RLS on care_team_patient: only rows of the clinician's own teams are visible (break-glass is not).
      tx.careTeamPatient.findFirst({ where: { patientId }, select: { teamId: true } }),
    ]),
  );
  if (!mine || !seen) {
    await recordDenial(actor, "careTeams.assignOwn", { resourceType: "care_team", resourceId: teamId, patientId });
    throw new NotFound(mine ? "patient" : "care team");
  }
  await withSystem(
    actor.request,
    async (ctx) => {
      const added = await ctx.tx.careTeamPatient.createMany({ data: { teamId, patientId }, skipDuplicates: true });
      if (added.count === 0) throw new Conflict("This patient is already in the team.");
      ctx.audit({ actorId: actor.userId, actorRole: actor.role, action: "care_team.assign_patient", resourceType: "care_team", resourceId: teamId, patientId });
      // Every clinician of that team now sees the patient: the same grant as an administrator's assignment.
      await raisePrivilegeAlert(ctx, actor.userId, { change: "care-team-patient-added", teamId, patientPseudonym: pseudonym(patientId) });
    },
    actor.userId,
  );
}
