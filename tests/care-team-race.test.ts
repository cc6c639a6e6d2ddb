// Creating or renaming a care team is check-then-write on its unique name ("taken?" then write). Two
// administrators choosing the same name at once both pass the check; the unique key refuses the second write,
// which the service turns into the same refusal the check gives (lib/services/care-team-admin.ts).
import { beforeAll, describe, expect, it } from "vitest";
import { Conflict } from "@/lib/access/errors";
import { createCareTeamAs, renameCareTeam } from "@/lib/services/care-team-admin";
import { held } from "./helpers/concurrency";
import { adminQuery } from "./helpers/db";
import { actorOf, makeUser, type TestUser } from "./helpers/fixtures";

let adminA: TestUser;
let adminB: TestUser;

beforeAll(async () => {
  adminA = await makeUser("admin");
  adminB = await makeUser("admin");
});

const DUPLICATE = "A care team with this name already exists.";
const refusals = (results: PromiseSettledResult<unknown>[]) =>
  results.flatMap((r) => (r.status === "rejected" ? [[(r.reason as Error).constructor, (r.reason as Error).message]] : []));
// An uncommitted row with the same name makes both writes wait after both "taken?" reads; it then rolls back.
const holdingName = <T>(name: string, attempts: (() => Promise<T>)[]) =>
  held("INSERT INTO care_team (id, name) VALUES (gen_random_uuid(), $1)", [name], attempts, "ROLLBACK");

describe("two admins choose the same care team name at once", () => {
  it("creating: one team, the other admin told the name exists, one creation audited", async () => {
    const name = `Cardiology ${Date.now()}`;
    const results = await holdingName(name, [() => createCareTeamAs(actorOf(adminA), { name }), () => createCareTeamAs(actorOf(adminB), { name })]);
    expect(await adminQuery("SELECT id FROM care_team WHERE name = $1", [name])).toHaveLength(1);
    expect(refusals(results)).toEqual([[Conflict, DUPLICATE]]);
    expect(await adminQuery("SELECT 1 FROM audit_event WHERE action = 'care_team.create' AND details->>'name' = $1", [name])).toHaveLength(1);
  });

  it("renaming two teams to one name: one renamed, the other refused and unchanged, one rename audited", async () => {
    const stamp = Date.now();
    const first = await createCareTeamAs(actorOf(adminA), { name: `Oncology ${stamp}` });
    const second = await createCareTeamAs(actorOf(adminA), { name: `Haematology ${stamp}` });
    const name = `Oncology and Haematology ${stamp}`;
    const results = await holdingName(name, [
      () => renameCareTeam(actorOf(adminA), { teamId: first, name }),
      () => renameCareTeam(actorOf(adminB), { teamId: second, name }),
    ]);
    const names = await adminQuery<{ name: string }>("SELECT name FROM care_team WHERE id IN ($1, $2) ORDER BY name", [first, second]);
    expect(refusals(results)).toEqual([[Conflict, DUPLICATE]]);
    expect(names.map((t) => t.name).filter((n) => n === name)).toHaveLength(1);
    expect(names.map((t) => t.name)).toContainEqual(expect.stringMatching(new RegExp(`^(Oncology|Haematology) ${stamp}$`)));
    expect(await adminQuery("SELECT 1 FROM audit_event WHERE action = 'care_team.rename' AND resource_id IN ($1, $2)", [first, second])).toHaveLength(1);
  });
});
