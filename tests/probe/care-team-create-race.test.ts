// Probe: creating a care team is check-then-insert on a unique name ("exists?" then create). Two admins creating
// the same team at once both pass the check; the second insert hits care_team's unique name, a Prisma P2002
// that no domain error maps, so the admin gets a server error instead of "A care team with this name already
// exists." (processors.ts catches the same race; care-team-admin.ts does not.)
import { beforeAll, describe, expect, it } from "vitest";
import { Conflict } from "@/lib/access/errors";
import { createCareTeamAs } from "@/lib/services/care-team-admin";
import { adminQuery } from "../helpers/db";
import { actorOf, makeUser, type TestUser } from "../helpers/fixtures";
import { held } from "./hold";

let adminA: TestUser;
let adminB: TestUser;

beforeAll(async () => {
  adminA = await makeUser("admin");
  adminB = await makeUser("admin");
});

describe("probe: two admins create the same care team at once", () => {
  it("creates one team and refuses the other with the duplicate-name message", async () => {
    const name = `Cardiology ${Date.now()}`;
    // An uncommitted row with the same name makes both inserts wait after both "exists?" reads; it then rolls back.
    const results = await held("INSERT INTO care_team (id, name) VALUES (gen_random_uuid(), $1)", [name], [
      () => createCareTeamAs(actorOf(adminA), { name }),
      () => createCareTeamAs(actorOf(adminB), { name }),
    ], "ROLLBACK");
    const refused = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
    expect(await adminQuery("SELECT id FROM care_team WHERE name = $1", [name])).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toBeInstanceOf(Conflict);
  });
});
