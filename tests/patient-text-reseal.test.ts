import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { pseudonym } from "@/lib/crypto/pseudonym";
import { DecryptError } from "@/lib/crypto/errors";
import { openSystem, sealSystem } from "@/lib/crypto/secret";
import { accountSummary } from "@/lib/services/account";
import { listBreakGlassUses } from "@/lib/services/break-glass-review";
import { detailsAt, myRequests } from "@/lib/services/data-requests";
import { resealPatientText } from "@/lib/services/reseal-patient-text";
import { adminQuery } from "./helpers/db";
import { actorOf, identity, makeUser, type TestUser } from "./helpers/fixtures";

// Rows written before text about a patient moved under the patient's data key (lib/services/patient-text.ts).
describe("text about a patient sealed under the system key by an older version", () => {
  let patient: TestUser;
  let auditor: TestUser;
  let requestId: string;
  let grantId: string;

  beforeAll(async () => {
    patient = await makeUser("patient", { patient: identity() });
    auditor = await makeUser("auditor");
    const clinician = await makeUser("clinician");
    const at = (column: string) => ({ table: "app_user", column, rowId: patient.id });
    await adminQuery("UPDATE app_user SET display_name_enc = $2, email_enc = $3 WHERE id = $1", [
      patient.id,
      sealSystem("Qlegacy name", at("display_name_enc")),
      sealSystem(patient.email, at("email_enc")),
    ]);
    requestId = randomUUID();
    await adminQuery(
      `INSERT INTO data_request (id, patient_id, patient_pseudonym, kind, status, details_enc, gdpr_due_at, hipaa_due_at, created_at)
       VALUES ($1, $2, $3, 'restriction', 'pending', $4, now() + interval '30 days', now() + interval '30 days', now())`,
      [requestId, patient.patientId, pseudonym(patient.patientId!), sealSystem(JSON.stringify({ kind: "restriction", reason: "Qlegacy reason" }), detailsAt(requestId))],
    );
    grantId = randomUUID();
    await adminQuery("INSERT INTO break_glass_grant (id, clinician_id, patient_id, reason_enc, expires_at) VALUES ($1, $2, $3, $4, now() + interval '1 hour')", [
      grantId,
      clinician.id,
      patient.patientId,
      sealSystem("Qlegacy break-glass", { table: "break_glass_grant", column: "reason_enc", rowId: grantId }),
    ]);
    await adminQuery("INSERT INTO break_glass_review (grant_id, reviewer_id, decision, comment_enc) VALUES ($1, $2, 'approved', $3)", [
      grantId,
      auditor.id,
      sealSystem("Qlegacy review", { table: "break_glass_review", column: "comment_enc", rowId: grantId }),
    ]);
  });

  const stored = async () =>
    (await adminQuery<{ ct: string }>(
      `SELECT display_name_enc AS ct FROM app_user WHERE id = $1 UNION ALL SELECT email_enc FROM app_user WHERE id = $1
       UNION ALL SELECT details_enc FROM data_request WHERE id = $2 UNION ALL SELECT reason_enc FROM break_glass_grant WHERE id = $3
       UNION ALL SELECT comment_enc FROM break_glass_review WHERE grant_id = $3`,
      [patient.id, requestId, grantId],
    )).map((r) => r.ct);

  it("still reads, then `npm run reseal:patient-text` moves it under the patient's data key, audited, once", async () => {
    expect((await stored()).every((ct) => ct.startsWith("v1.s."))).toBe(true);
    expect((await accountSummary(actorOf(patient))).displayName).toBe("Qlegacy name");

    expect(await resealPatientText()).toBe(5);
    const moved = await stored();
    expect(moved.every((ct) => ct.startsWith("v1.d."))).toBe(true);
    // The system key no longer opens any of it: an old dump taken from now on has it under the patient key only.
    expect(() => openSystem(moved[2]!, detailsAt(requestId))).toThrow(DecryptError);

    // Each reader still shows it: the patient their name and request, the auditor the break-glass reason.
    expect((await accountSummary(actorOf(patient))).displayName).toBe("Qlegacy name");
    expect((await myRequests(actorOf(patient))).find((r) => r.id === requestId)?.summary).toBe("Restrict processing: Qlegacy reason");
    const use = (await listBreakGlassUses(actorOf(auditor))).find((u) => u.grantId === grantId);
    expect(use?.reason).toBe("Qlegacy break-glass");
    expect(use?.review?.comment).toBe("Qlegacy review");

    const events = await adminQuery<{ details: { table: string; column: string; count: number } }>("SELECT details FROM audit_event WHERE action = 'keys.reseal_patient_text' ORDER BY seq");
    expect(events.map((e) => `${e.details.table}.${e.details.column}:${e.details.count}`)).toEqual([
      "app_user.email_enc:1",
      "app_user.display_name_enc:1",
      "data_request.details_enc:1",
      "break_glass_grant.reason_enc:1",
      "break_glass_review.comment_enc:1",
    ]);
    // A second run finds nothing left to move.
    expect(await resealPatientText()).toBe(0);
    expect(await stored()).toEqual(moved);
  });
});
