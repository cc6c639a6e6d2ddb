// An auditor's break-glass review is check-then-insert ("already reviewed?" then create). Two reviews of the
// same use at once both pass the check; the review's key on the grant refuses the second insert, which the
// service turns into the same refusal the check gives (lib/services/break-glass-review.ts), not a server error.
import { generate } from "otplib";
import { beforeAll, describe, expect, it } from "vitest";
import { Conflict } from "@/lib/access/errors";
import { breakGlass } from "@/lib/services/break-glass";
import { reviewBreakGlass } from "@/lib/services/break-glass-review";
import { held } from "./helpers/concurrency";
import { adminQuery } from "./helpers/db";
import { actorOf, identity, makeUser, type TestUser } from "./helpers/fixtures";

let auditorA: TestUser;
let auditorB: TestUser;

beforeAll(async () => {
  auditorA = await makeUser("auditor");
  auditorB = await makeUser("auditor");
});

describe("two auditors review one break-glass use at once", () => {
  it("records one review and tells the other reviewer it has already been reviewed", async () => {
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
    const refused = results.flatMap((r) => (r.status === "rejected" ? [r.reason as Error] : []));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(refused.map((e) => [e.constructor, e.message])).toEqual([[Conflict, "This use has already been reviewed."]]);
    const reviews = await adminQuery<{ reviewer_id: string }>("SELECT reviewer_id::text FROM break_glass_review WHERE grant_id = $1", [grant!.id]);
    const audited = await adminQuery<{ actor_id: string }>("SELECT actor_id::text FROM audit_event WHERE action = 'break_glass.review' AND resource_id = $1", [grant!.id]);
    // The one review kept is the one audited, by the reviewer who was not refused.
    expect(reviews).toHaveLength(1);
    expect(audited).toEqual(reviews.map((r) => ({ actor_id: r.reviewer_id })));
  });
});
