// Probe: an auditor's break-glass review is check-then-insert ("already reviewed?" then create). Two reviews of
// the same use at once both pass the check; the second insert then hits the review's primary key, a Prisma
// P2002 that no domain error maps (lib/http/error-table.ts), so the second reviewer gets a server error
// instead of "This use has already been reviewed.".
import { generate } from "otplib";
import { beforeAll, describe, expect, it } from "vitest";
import { Conflict } from "@/lib/access/errors";
import { breakGlass } from "@/lib/services/break-glass";
import { reviewBreakGlass } from "@/lib/services/break-glass-review";
import { adminQuery } from "../helpers/db";
import { actorOf, identity, makeUser, type TestUser } from "../helpers/fixtures";
import { held } from "./hold";

let auditorA: TestUser;
let auditorB: TestUser;

beforeAll(async () => {
  auditorA = await makeUser("auditor");
  auditorB = await makeUser("auditor");
});

describe("probe: two auditors review one break-glass use at once", () => {
  it("records one review and refuses the other as already reviewed (a Conflict, not an unmapped database error)", async () => {
    const mrn = `BGR-${Date.now() % 1_000_000}`;
    await makeUser("patient", { patient: identity({ mrn }) });
    const clinician = await makeUser("clinician");
    await breakGlass(actorOf(clinician), {
      mrn,
      reason: "Unconscious patient in the emergency department, no team clinician on site",
      code: await generate({ secret: clinician.totpSecret! }),
    });
    const [grant] = await adminQuery<{ id: string }>("SELECT id FROM break_glass_grant WHERE clinician_id = $1", [clinician.id]);
    // The review's foreign key check waits on the held grant row, after both "already reviewed?" reads.
    const results = await held("SELECT 1 FROM break_glass_grant WHERE id = $1 FOR UPDATE", [grant!.id], [
      () => reviewBreakGlass(actorOf(auditorA), { grantId: grant!.id, decision: "approved", comment: "Seen the ED note, justified." }),
      () => reviewBreakGlass(actorOf(auditorB), { grantId: grant!.id, decision: "flagged", comment: "Ask the clinician for the ED note." }),
    ]);
    const refused = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toBeInstanceOf(Conflict);
  });
});
