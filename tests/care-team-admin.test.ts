import { beforeAll, describe, expect, it } from "vitest";
import { AccessDenied, Conflict, NotFound } from "@/lib/access/errors";
import { pseudonym } from "@/lib/crypto/pseudonym";
import { getChart } from "@/lib/services/chart";
import {
  addClinician,
  assignPatientByMrn,
  assignPatientToOwnTeam,
  createCareTeamAs,
  deleteCareTeam,
  listCareTeams,
  removeClinician,
  removePatientByMrn,
  renameCareTeam,
} from "@/lib/services/care-team-admin";
import { listMyPatients } from "@/lib/services/patient-search";
import { adminQuery } from "./helpers/db";
import { actorOf, identity, makeCareTeam, makeUser, type TestUser } from "./helpers/fixtures";

let admin: TestUser;
let seq = 0;
const teamName = () => `Ward ${process.pid}-${++seq}`;

beforeAll(async () => {
  admin = await makeUser("admin");
});

const denials = (actorId: string, permission: string) =>
  adminQuery("SELECT 1 FROM audit_event WHERE action = 'access.denied' AND actor_id = $1 AND details->>'permission' = $2", [actorId, permission]);

describe("administrators edit care teams", () => {
  it("create a team, add a clinician who then sees its patients, and list it without any patient identity", async () => {
    const clinician = await makeUser("clinician");
    const mrn = `MRN-${500_000 + (process.pid % 100_000)}`;
    const patient = await makeUser("patient", { patient: identity({ mrn }) });
    const teamId = await createCareTeamAs(actorOf(admin), { name: teamName() });
    await addClinician(actorOf(admin), { teamId, userId: clinician.id });
    expect(await assignPatientByMrn(actorOf(admin), { teamId, mrn: mrn.slice(4) })).toEqual({ pseudonym: pseudonym(patient.patientId!) });
    expect((await listMyPatients(actorOf(clinician))).map((p) => p.patientId)).toEqual([patient.patientId]);
    const { teams } = await listCareTeams(actorOf(admin));
    const team = teams.find((t) => t.id === teamId)!;
    expect(team).toMatchObject({ members: [{ userId: clinician.id, displayName: "Test clinician", active: true }], patientCount: 1 });
    expect(JSON.stringify(teams)).not.toContain(patient.patientId);
    const actions = await adminQuery<{ action: string; actor_id: string }>(
      "SELECT action, actor_id::text FROM audit_event WHERE resource_id = $1 AND action LIKE 'care_team.%' ORDER BY seq",
      [teamId],
    );
    expect(actions).toEqual([
      { action: "care_team.create", actor_id: admin.id },
      { action: "care_team.add_member", actor_id: admin.id },
      { action: "care_team.assign_patient", actor_id: admin.id },
    ]);
  });

  it("removing a clinician stops their access on the very next request: the chart is not found, and the attempt is logged", async () => {
    const clinician = await makeUser("clinician");
    const patient = await makeUser("patient");
    const teamId = await makeCareTeam([clinician.id], [patient.patientId!]);
    expect((await getChart(actorOf(clinician), patient.patientId!)).identity.mrn).toBeTruthy();
    await removeClinician(actorOf(admin), { teamId, userId: clinician.id });
    await expect(getChart(actorOf(clinician), patient.patientId!)).rejects.toBeInstanceOf(NotFound);
    const denied = await adminQuery<{ details: { reason: string } }>(
      "SELECT details FROM audit_event WHERE action = 'access.denied' AND actor_id = $1 AND details->>'reason' = 'out-of-scope'",
      [clinician.id],
    );
    expect(denied).toHaveLength(1);
    expect(await listMyPatients(actorOf(clinician))).toEqual([]);
    expect(await adminQuery("SELECT 1 FROM audit_event WHERE action = 'care_team.remove_member' AND resource_id = $1 AND details->>'userId' = $2", [teamId, clinician.id])).toHaveLength(1);
  });

  it("puts each administrator's care-team change before the auditors as a privilege alert", async () => {
    const clinician = await makeUser("clinician");
    const mrn = `MRN-${600_000 + (process.pid % 100_000)}`;
    const patient = await makeUser("patient", { patient: identity({ mrn }) });
    const teamId = await createCareTeamAs(actorOf(admin), { name: teamName() });
    await addClinician(actorOf(admin), { teamId, userId: clinician.id });
    await assignPatientByMrn(actorOf(admin), { teamId, mrn });
    await removeClinician(actorOf(admin), { teamId, userId: clinician.id });
    const alerts = await adminQuery<{ kind: string; severity: string; actor_id: string; details: Record<string, string> }>(
      "SELECT kind, severity, actor_id::text, details FROM alert WHERE details->>'teamId' = $1 ORDER BY created_at, details->>'change'",
      [teamId],
    );
    expect(alerts).toEqual([
      { kind: "privilege_change", severity: "high", actor_id: admin.id, details: { change: "care-team-clinician-added", teamId, userId: clinician.id } },
      { kind: "privilege_change", severity: "high", actor_id: admin.id, details: { change: "care-team-patient-added", teamId, patientPseudonym: pseudonym(patient.patientId!) } },
      { kind: "privilege_change", severity: "medium", actor_id: admin.id, details: { change: "care-team-clinician-removed", teamId, userId: clinician.id } },
    ]);
    // The alert names the patient by pseudonym only, like everything an administrator is shown.
    expect(JSON.stringify(alerts)).not.toContain(patient.patientId);
  });

  it("refuses a non-clinician or disabled member, a duplicate name, and an unknown MRN; nothing changes", async () => {
    const auditor = await makeUser("auditor");
    const name = teamName();
    const teamId = await createCareTeamAs(actorOf(admin), { name });
    await expect(createCareTeamAs(actorOf(admin), { name: ` ${name} ` })).rejects.toBeInstanceOf(Conflict);
    await expect(addClinician(actorOf(admin), { teamId, userId: auditor.id })).rejects.toBeInstanceOf(NotFound);
    await expect(addClinician(actorOf(admin), { teamId, userId: admin.id })).rejects.toBeInstanceOf(NotFound);
    await expect(assignPatientByMrn(actorOf(admin), { teamId, mrn: "MRN-000000" })).rejects.toBeInstanceOf(Conflict);
    const [counts] = await adminQuery<{ m: number; p: number }>(
      "SELECT (SELECT count(*)::int FROM care_team_member WHERE team_id = $1) AS m, (SELECT count(*)::int FROM care_team_patient WHERE team_id = $1) AS p",
      [teamId],
    );
    expect(counts).toEqual({ m: 0, p: 0 });
  });

  it("refuses clinicians and auditors who call the admin services, and records each attempt", async () => {
    const clinician = await makeUser("clinician");
    const teamId = await makeCareTeam([], []);
    await expect(createCareTeamAs(actorOf(clinician), { name: teamName() })).rejects.toBeInstanceOf(AccessDenied);
    await expect(addClinician(actorOf(clinician), { teamId, userId: clinician.id })).rejects.toBeInstanceOf(AccessDenied);
    await expect(listCareTeams(actorOf(await makeUser("auditor")))).rejects.toBeInstanceOf(AccessDenied);
    expect(await denials(clinician.id, "careTeams.manage")).toHaveLength(2);
    expect(await adminQuery("SELECT 1 FROM care_team_member WHERE team_id = $1", [teamId])).toHaveLength(0);
  });
});

describe("administrators remove patients, rename and delete teams", () => {
  const mrnFor = (offset: number) => `MRN-${String(700_000 + ((process.pid * 10 + offset) % 100_000)).padStart(6, "0")}`;

  it("removes a patient by MRN: the team's clinician gets not-found on the next request; audited and alerted by pseudonym", async () => {
    const clinician = await makeUser("clinician");
    const mrn = mrnFor(1);
    const patient = await makeUser("patient", { patient: identity({ mrn }) });
    const teamId = await makeCareTeam([clinician.id], [patient.patientId!]);
    expect((await getChart(actorOf(clinician), patient.patientId!)).identity.mrn).toBe(mrn);
    expect(await removePatientByMrn(actorOf(admin), { teamId, mrn })).toEqual({ pseudonym: pseudonym(patient.patientId!) });
    await expect(getChart(actorOf(clinician), patient.patientId!)).rejects.toBeInstanceOf(NotFound);
    // Again, or an MRN nobody has: one answer, nothing changes.
    await expect(removePatientByMrn(actorOf(admin), { teamId, mrn })).rejects.toThrow(/No patient with this MRN is in the team/);
    await expect(removePatientByMrn(actorOf(admin), { teamId, mrn: "MRN-000001" })).rejects.toThrow(/No patient with this MRN is in the team/);
    expect(await adminQuery("SELECT 1 FROM audit_event WHERE action = 'care_team.remove_patient' AND resource_id = $1 AND actor_id = $2", [teamId, admin.id])).toHaveLength(1);
    const alerts = await adminQuery<{ severity: string; details: Record<string, string> }>("SELECT severity, details FROM alert WHERE details->>'teamId' = $1", [teamId]);
    expect(alerts).toEqual([{ severity: "medium", details: { change: "care-team-patient-removed", teamId, patientPseudonym: pseudonym(patient.patientId!) } }]);
  });

  it("renames a team (a taken name refused) and deletes one only when empty, saying what blocks it; each audited", async () => {
    const clinician = await makeUser("clinician");
    const patient = await makeUser("patient");
    const teamId = await makeCareTeam([clinician.id], [patient.patientId!]);
    const taken = teamName();
    await createCareTeamAs(actorOf(admin), { name: taken });
    await expect(renameCareTeam(actorOf(admin), { teamId, name: taken })).rejects.toThrow(/already exists/);
    const name = teamName();
    await renameCareTeam(actorOf(admin), { teamId, name });
    expect((await listCareTeams(actorOf(admin))).teams.find((t) => t.id === teamId)?.name).toBe(name);
    await expect(deleteCareTeam(actorOf(admin), { teamId })).rejects.toThrow("This team still has 1 clinician and 1 patient. Remove them first, then delete the team.");
    await removeClinician(actorOf(admin), { teamId, userId: clinician.id });
    await expect(deleteCareTeam(actorOf(admin), { teamId })).rejects.toThrow("This team still has 1 patient. Remove them first, then delete the team.");
    await adminQuery("DELETE FROM care_team_patient WHERE team_id = $1", [teamId]);
    await deleteCareTeam(actorOf(admin), { teamId });
    expect(await adminQuery("SELECT 1 FROM care_team WHERE id = $1", [teamId])).toHaveLength(0);
    await expect(deleteCareTeam(actorOf(admin), { teamId })).rejects.toBeInstanceOf(NotFound);
    const events = await adminQuery<{ action: string; details: unknown }>(
      "SELECT action, details FROM audit_event WHERE resource_id = $1 AND action IN ('care_team.rename', 'care_team.delete') ORDER BY seq",
      [teamId],
    );
    expect(events).toEqual([
      { action: "care_team.rename", details: { before: { name: expect.any(String) }, after: { name } } },
      { action: "care_team.delete", details: { name } },
    ]);
  });

  it("refuses clinicians who remove a patient, rename or delete a team, records each attempt, and changes nothing", async () => {
    const clinician = await makeUser("clinician");
    const mrn = mrnFor(2);
    const patient = await makeUser("patient", { patient: identity({ mrn }) });
    const teamId = await makeCareTeam([clinician.id], [patient.patientId!]);
    const empty = await makeCareTeam([], []);
    await expect(removePatientByMrn(actorOf(clinician), { teamId, mrn })).rejects.toBeInstanceOf(AccessDenied);
    await expect(renameCareTeam(actorOf(clinician), { teamId, name: teamName() })).rejects.toBeInstanceOf(AccessDenied);
    await expect(deleteCareTeam(actorOf(clinician), { teamId: empty })).rejects.toBeInstanceOf(AccessDenied);
    expect(await denials(clinician.id, "careTeams.manage")).toHaveLength(3);
    expect(await adminQuery("SELECT 1 FROM care_team_patient WHERE team_id = $1", [teamId])).toHaveLength(1);
    expect(await adminQuery("SELECT 1 FROM care_team WHERE id IN ($1, $2)", [teamId, empty])).toHaveLength(2);
  });
});

describe("clinicians assign patients to their own teams", () => {
  it("adds a patient they already see to another of their teams, with the same privilege alert as an administrator's assignment", async () => {
    const clinician = await makeUser("clinician");
    const patient = await makeUser("patient");
    await makeCareTeam([clinician.id], [patient.patientId!]);
    const second = await makeCareTeam([clinician.id], []);
    await assignPatientToOwnTeam(actorOf(clinician), { teamId: second, patientId: patient.patientId! });
    expect(await adminQuery("SELECT 1 FROM care_team_patient WHERE team_id = $1 AND patient_id = $2", [second, patient.patientId])).toHaveLength(1);
    expect(await adminQuery("SELECT kind, severity, actor_id::text, details FROM alert WHERE details->>'teamId' = $1", [second])).toEqual([
      { kind: "privilege_change", severity: "high", actor_id: clinician.id, details: { change: "care-team-patient-added", teamId: second, patientPseudonym: pseudonym(patient.patientId!) } },
    ]);
  });

  it("cannot pull in a patient outside their teams, nor assign into a team not theirs: not found, logged, nothing written", async () => {
    const clinician = await makeUser("clinician");
    const stranger = await makeUser("patient");
    const mine = await makeCareTeam([clinician.id], []);
    const theirs = await makeCareTeam([], []);
    const seen = await makeUser("patient");
    await makeCareTeam([clinician.id], [seen.patientId!]);
    await expect(assignPatientToOwnTeam(actorOf(clinician), { teamId: mine, patientId: stranger.patientId! })).rejects.toBeInstanceOf(NotFound);
    await expect(assignPatientToOwnTeam(actorOf(clinician), { teamId: theirs, patientId: seen.patientId! })).rejects.toBeInstanceOf(NotFound);
    expect(await denials(clinician.id, "careTeams.assignOwn")).toHaveLength(2);
    expect(await adminQuery("SELECT 1 FROM care_team_patient WHERE team_id IN ($1, $2)", [mine, theirs])).toHaveLength(0);
  });

  it("a clinician cannot assign a patient by MRN, even into their own team", async () => {
    const clinician = await makeUser("clinician");
    const mrn = `MRN-${String(800_000 + (process.pid % 100_000)).padStart(6, "0")}`;
    const stranger = await makeUser("patient", { patient: identity({ mrn }) });
    const mine = await makeCareTeam([clinician.id], []);
    await expect(assignPatientByMrn(actorOf(clinician), { teamId: mine, mrn })).rejects.toBeInstanceOf(AccessDenied);
    expect(await adminQuery("SELECT 1 FROM care_team_patient WHERE team_id = $1 OR patient_id = $2", [mine, stranger.patientId])).toEqual([]);
    const denied = await adminQuery<{ details: Record<string, unknown> }>("SELECT details FROM audit_event WHERE action = 'access.denied' AND actor_id = $1", [clinician.id]);
    expect(denied).toHaveLength(1);
    expect(denied[0]!.details.permission).toBe("careTeams.manage");
    expect(await adminQuery("SELECT 1 FROM audit_event WHERE action = 'care_team.assign_patient' AND resource_id = $1", [mine])).toEqual([]);
  });
});
