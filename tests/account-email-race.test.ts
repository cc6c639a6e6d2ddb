// An e-mail address names one account. A staff invitation (lib/services/invitations.ts) and a clinician's
// patient registration (lib/services/patient-onboarding.ts) each ask "is it free?" before creating the account,
// under locks of different kinds; both now also lock the address itself (users.ts, accountWithEmail). Without
// that, the two at once both pass the check and the second fails on the unique key as a server error, with
// its refusal neither shown nor audited.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Conflict, InvalidInput } from "@/lib/access/errors";
import { blindIndex } from "@/lib/crypto/blind-index";
import { inviteStaff } from "@/lib/services/invitations";
import { EMAIL_TAKEN, registerAndInvitePatient } from "@/lib/services/patient-onboarding";
import { held } from "./helpers/concurrency";
import { adminQuery } from "./helpers/db";
import { actorOf, makeCareTeam, makeUser, type TestUser } from "./helpers/fixtures";
import { startSmtpServer } from "./helpers/smtp";

let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let admin: TestUser;
let clinician: TestUser;

beforeAll(async () => {
  smtp = await startSmtpServer();
  process.env.SMTP_URL = smtp.url;
  admin = await makeUser("admin");
  clinician = await makeUser("clinician");
  await makeCareTeam([clinician.id], []);
});
afterAll(async () => {
  delete process.env.SMTP_URL;
  await smtp.close();
});

describe("a staff invitation and a patient registration of one address at once", () => {
  it("create one account; the other is refused with its own message, the registration's refusal audited", async () => {
    const email = `shared-${process.pid}-${Date.now()}@hospital.test`;
    const bidx = Buffer.from(blindIndex("email", email));
    // An uncommitted account with the address makes the first creation wait after both "is it free?" reads
    // would have passed; it then rolls back.
    const results = await held(
      "INSERT INTO app_user (id, role, email_bidx, email_enc, display_name_enc, password_hash) VALUES (gen_random_uuid(), 'auditor', $1, 'x', 'x', 'x')",
      [bidx],
      [
        () => inviteStaff(actorOf(admin), { email, displayName: "Dr Sam Shared", role: "auditor" }).then(() => "staff"),
        () =>
          registerAndInvitePatient(actorOf(clinician), {
            givenName: "Sam",
            familyName: "Shared",
            birthDate: "1980-02-29",
            sex: "female",
            phone: "+44 20 7946 0958",
            email,
          }).then(() => "patient"),
      ],
      "ROLLBACK",
    );
    const winner = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const refused = results.flatMap((r) => (r.status === "rejected" ? [r.reason as Error] : []));
    expect(winner).toHaveLength(1);
    expect(await adminQuery("SELECT 1 FROM app_user WHERE email_bidx = $1", [bidx])).toHaveLength(1);
    const patients = await adminQuery("SELECT 1 FROM patient_identity WHERE email_bidx = $1", [bidx]);
    const deniedRegistrations = await adminQuery(
      "SELECT 1 FROM audit_event WHERE action = 'patient.register' AND outcome = 'denied' AND actor_id = $1 AND details->>'reason' = 'email-taken'",
      [clinician.id],
    );
    if (winner[0] === "staff") {
      expect(refused[0]).toBeInstanceOf(InvalidInput);
      expect(refused[0]).toMatchObject({ fieldErrors: { email: [EMAIL_TAKEN] } });
      expect({ patients: patients.length, deniedRegistrations: deniedRegistrations.length }).toEqual({ patients: 0, deniedRegistrations: 1 });
    } else {
      expect([refused[0]!.constructor, refused[0]!.message]).toEqual([Conflict, "An account with this e-mail address already exists."]);
      expect({ patients: patients.length, deniedRegistrations: deniedRegistrations.length }).toEqual({ patients: 1, deniedRegistrations: 0 });
    }
  });
});
