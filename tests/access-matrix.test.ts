import { generate } from "otplib";
import { beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "@/lib/access/actor";
import { AccessDenied, NotFound } from "@/lib/access/errors";
import { breakGlass } from "@/lib/services/break-glass";
import { addRecord, amendRecord, getChart } from "@/lib/services/chart";
import { listMyPatients, myCareTeamCount, searchPatients } from "@/lib/services/patient-search";
import { adminQuery } from "./helpers/db";
import { actorOf, identity, makeCareTeam, makeUser, type TestUser } from "./helpers/fixtures";
import { asRuntimeRole } from "./helpers/runtime-role";

type Relationship = "self" | "care-team" | "other" | "break-glass";
type Role = "patient" | "clinician" | "auditor" | "admin";

const MARK = "Zyxwvutsrq";
let target: TestUser;
let targetEntry: string;
type Who = "patientSelf" | "patientOther" | "teamClinician" | "otherClinician" | "glassClinician" | "auditor" | "admin";
const actors = {} as Record<Who, TestUser>;

beforeAll(async () => {
  target = await makeUser("patient", { patient: identity({ givenName: `${MARK}Given`, familyName: `${MARK}Family`, mrn: "MX-424242" }) });
  actors.patientSelf = target;
  actors.patientOther = await makeUser("patient");
  actors.teamClinician = await makeUser("clinician");
  actors.otherClinician = await makeUser("clinician");
  actors.glassClinician = await makeUser("clinician");
  actors.auditor = await makeUser("auditor");
  actors.admin = await makeUser("admin");
  await makeCareTeam([actors.teamClinician.id], [target.patientId!]);
  targetEntry = await addRecord(actorOf(actors.teamClinician), {
    patientId: target.patientId!,
    content: { kind: "note", date: "2026-01-02", title: `${MARK} title`, text: `${MARK} secret text` },
  });
  await breakGlass(actorOf(actors.glassClinician), {
    mrn: "MX-424242",
    reason: "Unconscious patient in the emergency department, no team clinician on site",
    code: await generate({ secret: actors.glassClinician.totpSecret! }),
  });
});

const cells: { who: Who; role: Role; relationship: Relationship; read: boolean; write: boolean }[] = [
  { who: "teamClinician", role: "clinician", relationship: "care-team", read: true, write: true },
  { who: "glassClinician", role: "clinician", relationship: "break-glass", read: true, write: true },
  { who: "otherClinician", role: "clinician", relationship: "other", read: false, write: false },
  { who: "patientSelf", role: "patient", relationship: "self", read: false, write: false },
  { who: "patientOther", role: "patient", relationship: "other", read: false, write: false },
  { who: "auditor", role: "auditor", relationship: "other", read: false, write: false },
  { who: "admin", role: "admin", relationship: "other", read: false, write: false },
];

async function denials(actorId: string): Promise<number> {
  const [row] = await adminQuery<{ n: string }>("SELECT count(*) AS n FROM audit_event WHERE actor_id = $1 AND outcome = 'denied'", [actorId]);
  return Number(row!.n);
}

async function attempt(actor: Actor, op: () => Promise<unknown>): Promise<{ ok: boolean; error?: unknown; leaked: boolean }> {
  try {
    const result = await op();
    return { ok: true, leaked: false, ...{ result } };
  } catch (error) {
    if (!(error instanceof AccessDenied || error instanceof NotFound)) throw error;
    return { ok: false, error, leaked: JSON.stringify({ m: (error as Error).message }).includes(MARK) };
  }
}

describe("role × operation × relationship, through the services", () => {
  for (const cell of cells) {
    it(`${cell.who} (${cell.role}, ${cell.relationship}): read ${cell.read ? "allowed" : "denied"}, write ${cell.write ? "allowed" : "denied"}`, async () => {
      const user = actors[cell.who];
      const actor = actorOf(user);
      const before = await denials(user.id);
      const read = await attempt(actor, () => getChart(actor, target.patientId!));
      const write = await attempt(actor, () =>
        addRecord(actor, { patientId: target.patientId!, content: { kind: "note", date: "2026-02-03", title: "t", text: "x" } }),
      );
      const amend = await attempt(actor, () =>
        amendRecord(actor, { patientId: target.patientId!, entryId: targetEntry, content: { kind: "note", date: "2026-01-02", title: "t2", text: `amended by ${cell.who}` }, amendReason: "Corrected after review" }),
      );
      expect(read.ok).toBe(cell.read);
      expect(write.ok).toBe(cell.write);
      expect(amend.ok).toBe(cell.write);
      expect([read, write, amend].some((r) => r.leaked)).toBe(false);
      const refused = [read, write, amend].filter((r) => !r.ok).length;
      expect(await denials(user.id)).toBe(before + refused);
      // A clinician out of scope is told "not found" (no existence oracle); any other role is refused by its
      // permission before any lookup, each refusal logged with the permission it lacked.
      const expected = cell.role === "clinician" ? NotFound : AccessDenied;
      for (const r of [read, write, amend]) if (!r.ok) expect(r.error).toBeInstanceOf(expected);
      if (cell.role !== "clinician") {
        const permissions = await adminQuery<{ permission: string }>(
          "SELECT details->>'permission' AS permission FROM audit_event WHERE actor_id = $1 AND action = 'access.denied' ORDER BY seq DESC LIMIT 3",
          [user.id],
        );
        expect(permissions.map((d) => d.permission).reverse()).toEqual(["chart.read", "chart.write", "chart.write"]);
      }
    });
  }

  it("shows the chart to the team clinician with decrypted content and the amendment history", async () => {
    const chart = await getChart(actorOf(actors.teamClinician), target.patientId!);
    expect(chart.identity.givenName).toBe(`${MARK}Given`);
    expect(chart.breakGlassUntil).toBeNull();
    const entry = chart.entries.find((e) => e.entryId === targetEntry)!;
    expect(entry.version).toBeGreaterThan(1);
    expect(entry.priorVersions.at(-1)!.content).toMatchObject({ title: `${MARK} title` });
  });

  it("marks break-glass access in the chart", async () => {
    const chart = await getChart(actorOf(actors.glassClinician), target.patientId!);
    expect(chart.breakGlassUntil).not.toBeNull();
  });

  it("lists and searches only what the clinician may see", async () => {
    const mine = await listMyPatients(actorOf(actors.teamClinician));
    expect(mine.map((p) => p.patientId)).toEqual([target.patientId]);
    expect(await listMyPatients(actorOf(actors.otherClinician))).toEqual([]);
    expect((await searchPatients(actorOf(actors.teamClinician), { by: "mrn", mrn: "mx-424242" })).map((p) => p.mrn)).toEqual(["MX-424242"]);
    expect(await searchPatients(actorOf(actors.otherClinician), { by: "mrn", mrn: "MX-424242" })).toEqual([]);
    await expect(listMyPatients(actorOf(actors.auditor))).rejects.toBeInstanceOf(AccessDenied);
  });
});

describe("the same matrix directly in SQL as the runtime role (app bypassed)", () => {
  const visible = async (role: string, user: TestUser) =>
    (
      await asRuntimeRole<{ n: string }>("SELECT count(*) AS n FROM clinical_record WHERE patient_id = $1", [target.patientId], {
        role,
        actorId: user.id,
        patientId: user.patientId ?? "",
      })
    )[0]!.n !== "0";

  it("matches the service layer for every cell", async () => {
    expect(await visible("clinician", actors.teamClinician)).toBe(true);
    expect(await visible("clinician", actors.glassClinician)).toBe(true);
    expect(await visible("clinician", actors.otherClinician)).toBe(false);
    expect(await visible("patient", actors.patientSelf)).toBe(true);
    expect(await visible("patient", actors.patientOther)).toBe(false);
    expect(await visible("auditor", actors.auditor)).toBe(false);
    expect(await visible("admin", actors.admin)).toBe(false);
  });

  it("stops matching an expired break-glass grant on the next query", async () => {
    await adminQuery("UPDATE break_glass_grant SET expires_at = created_at + interval '1 microsecond' WHERE clinician_id = $1", [actors.glassClinician.id]);
    expect(await visible("clinician", actors.glassClinician)).toBe(false);
    await expect(getChart(actorOf(actors.glassClinician), target.patientId!)).rejects.toBeInstanceOf(NotFound);
  });
});

describe("finding a patient as a clinician types it", () => {
  it("finds an MRN by its six digits, a missing dash or lower case, and still only within the team", async () => {
    const clinician = await makeUser("clinician");
    const outsider = await makeUser("clinician");
    const p = await makeUser("patient", { patient: identity({ mrn: "MRN-640002" }) });
    await makeCareTeam([clinician.id], [p.patientId!]);
    for (const mrn of ["640002", "mrn640002", "MRN 640002", "MRN-640002"]) {
      expect((await searchPatients(actorOf(clinician), { by: "mrn", mrn })).map((r) => r.patientId), mrn).toEqual([p.patientId]);
    }
    expect(await searchPatients(actorOf(outsider), { by: "mrn", mrn: "640002" })).toEqual([]);
    expect(await searchPatients(actorOf(clinician), { by: "mrn", mrn: "64000" })).toEqual([]);
  });

  it("tells a clinician with no care team apart from one with a team", async () => {
    const newcomer = await makeUser("clinician");
    expect(await myCareTeamCount(actorOf(newcomer))).toBe(0);
    await makeCareTeam([newcomer.id], []);
    expect(await myCareTeamCount(actorOf(newcomer))).toBe(1);
  });
});
