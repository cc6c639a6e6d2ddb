import { generate } from "otplib";
import { beforeAll, describe, expect, it } from "vitest";
import { InvalidInput, NotFound, TooManyRequests } from "@/lib/access/errors";
import { verifySecondFactor } from "@/lib/auth/mfa";
import { passwordSignIn } from "@/lib/auth/sign-in";
import { noRequest } from "@/lib/access/actor";
import { withSystem } from "@/lib/db/transaction";
import { breakGlass } from "@/lib/services/break-glass";
import { endGrant, myActiveGrants } from "@/lib/services/break-glass-grants";
import { getChart } from "@/lib/services/chart";
import { burst, isKeyLocked, lockoutAlerts, wrongCodes } from "./helpers/concurrency";
import { adminQuery } from "./helpers/db";
import { actorOf, identity, makeUser, PASSWORD, request, type TestUser } from "./helpers/fixtures";

const MAX = 5;
const MRN = "BG-777001";
const REASON = "Unconscious patient in the emergency department, no team clinician on site";
let patient: TestUser;

beforeAll(async () => {
  patient = await makeUser("patient", { patient: identity({ mrn: MRN }) });
});

const grantsOf = (clinicianId: string) => adminQuery("SELECT id FROM break_glass_grant WHERE clinician_id = $1", [clinicianId]);
const refusals = (clinicianId: string) =>
  adminQuery<{ details: { reason: string } }>(
    "SELECT details FROM audit_event WHERE action = 'break_glass.grant' AND outcome = 'denied' AND actor_id = $1 ORDER BY seq",
    [clinicianId],
  );
const lockouts = (clinicianId: string) =>
  adminQuery<{ details: Record<string, unknown> }>("SELECT details FROM audit_event WHERE action = 'auth.lockout' AND actor_id = $1", [clinicianId]);

async function attempt(clinician: TestUser, code: string): Promise<unknown> {
  return breakGlass(actorOf(clinician), { mrn: MRN, reason: REASON, code }).catch((error: unknown) => error);
}

describe("break-glass second factor", () => {
  it("grants nothing for a wrong code: no grant, the chart stays not-found, the refusal is recorded", async () => {
    const clinician = await makeUser("clinician");
    const [wrong] = await wrongCodes(clinician.totpSecret!, 1);
    expect(await attempt(clinician, wrong!)).toBeInstanceOf(InvalidInput);
    expect(await grantsOf(clinician.id)).toEqual([]);
    await expect(getChart(actorOf(clinician), patient.patientId!)).rejects.toBeInstanceOf(NotFound);
    expect((await refusals(clinician.id)).map((e) => e.details.reason)).toEqual(["wrong-code"]);

    // The same clinician with a right code does get in: the refusal above was the code, not the setup.
    expect(await breakGlass(actorOf(clinician), { mrn: MRN, reason: REASON, code: await generate({ secret: clinician.totpSecret! }) })).toMatchObject({
      patientId: patient.patientId,
    });
    expect(await grantsOf(clinician.id)).toHaveLength(1);
  });

  it("refuses a code already used to sign in", async () => {
    const clinician = await makeUser("clinician");
    const signedIn = await passwordSignIn({ email: clinician.email, password: PASSWORD, portal: "staff" }, request());
    if (!signedIn.ok) throw new Error("sign-in failed");
    const code = await generate({ secret: clinician.totpSecret! });
    expect(await verifySecondFactor(signedIn.sessionId, code, request())).toEqual({ ok: true });
    expect(await attempt(clinician, code)).toBeInstanceOf(InvalidInput);
    expect(await grantsOf(clinician.id)).toEqual([]);
  });

  it(`locks after ${MAX} wrong codes: even the right code is then refused, nothing is granted, an auditor is alerted`, async () => {
    const clinician = await makeUser("clinician");
    const wrong = await wrongCodes(clinician.totpSecret!, MAX);
    const outcomes = [];
    for (const code of wrong) outcomes.push(await attempt(clinician, code));
    expect(outcomes.slice(0, MAX - 1).every((e) => e instanceof InvalidInput)).toBe(true);
    expect(outcomes[MAX - 1]).toBeInstanceOf(TooManyRequests);

    expect(await attempt(clinician, await generate({ secret: clinician.totpSecret! }))).toBeInstanceOf(TooManyRequests);
    expect(await grantsOf(clinician.id)).toEqual([]);
    await expect(getChart(actorOf(clinician), patient.patientId!)).rejects.toBeInstanceOf(NotFound);
    expect((await refusals(clinician.id)).map((e) => e.details.reason)).toEqual([...wrong.map(() => "wrong-code"), "locked"]);
    expect(await lockouts(clinician.id)).toEqual([{ details: expect.objectContaining({ scope: "second-factor", step: "break-glass" }) }]);
    expect((await lockoutAlerts()).filter((a) => a.actor_id === clinician.id)).toHaveLength(1);

    // One counter for every use of the second factor: a fresh sign-in cannot pass the code step either.
    const signedIn = await passwordSignIn({ email: clinician.email, password: PASSWORD, portal: "staff" }, request());
    if (!signedIn.ok) throw new Error("sign-in failed");
    expect(await verifySecondFactor(signedIn.sessionId, await generate({ secret: clinician.totpSecret! }), request())).toEqual({ ok: false, reason: "locked" });
  });

  for (const [name, rightAt] of [["last", 19], ["at #16", 15]] as const) {
    it(`checks at most ${MAX} of 20 parallel codes and grants nothing, with the right code ${name}`, async () => {
      const clinician = await makeUser("clinician");
      const wrong = await wrongCodes(clinician.totpSecret!, 20);
      const right = await generate({ secret: clinician.totpSecret! });
      const results = await burst(`mfa:${clinician.id}`, 20, (i) => breakGlass(actorOf(clinician), { mrn: MRN, reason: REASON, code: i === rightAt ? right : wrong[i]! }));
      expect(results.filter((r) => r.status === "fulfilled")).toEqual([]);
      const errors = results.map((r) => (r.status === "rejected" ? r.reason : null));
      expect(errors.every((e) => e instanceof InvalidInput || e instanceof TooManyRequests)).toBe(true);
      expect(errors[rightAt]).toBeInstanceOf(TooManyRequests);
      expect(await grantsOf(clinician.id)).toEqual([]);
      await expect(getChart(actorOf(clinician), patient.patientId!)).rejects.toBeInstanceOf(NotFound);

      const reasons = (await refusals(clinician.id)).map((e) => e.details.reason);
      expect(reasons).toHaveLength(20);
      expect(reasons.filter((r) => r === "wrong-code")).toHaveLength(MAX);
      expect(await lockouts(clinician.id)).toHaveLength(1);
      expect((await lockoutAlerts()).filter((a) => a.actor_id === clinician.id)).toHaveLength(1);
      expect(await isKeyLocked(`mfa:${clinician.id}`)).toBe(true);
    });
  }

  it("makes one grant when two parallel requests carry the same valid code", async () => {
    const clinician = await makeUser("clinician");
    const code = await generate({ secret: clinician.totpSecret! });
    const results = await burst(`mfa:${clinician.id}`, 2, () => breakGlass(actorOf(clinician), { mrn: MRN, reason: REASON, code }));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.find((r) => r.status === "rejected")?.reason).toBeInstanceOf(InvalidInput);
    expect(await grantsOf(clinician.id)).toHaveLength(1);
  });
});

describe("ending break-glass access early", () => {
  const ends = (grantId: string) =>
    adminQuery<{ actor_id: string; outcome: string; details: { reason?: string } }>(
      "SELECT actor_id, outcome, details FROM audit_event WHERE action = 'break_glass.end' AND resource_id = $1 ORDER BY seq",
      [grantId],
    );
  const expiry = async (grantId: string) =>
    (await adminQuery<{ expires_at: Date }>("SELECT expires_at FROM break_glass_grant WHERE id = $1", [grantId]))[0]!.expires_at.getTime();

  it("lists the clinician's live grant with its patient and end time; ending it closes the chart and is audited", async () => {
    const clinician = await makeUser("clinician");
    const target = await makeUser("patient", { patient: identity({ givenName: "Endable", mrn: "MRN-640001" }) });
    // The digits alone name the same MRN.
    await breakGlass(actorOf(clinician), { mrn: "640001", reason: REASON, code: await generate({ secret: clinician.totpSecret! }) });
    const [grant, ...more] = await myActiveGrants(actorOf(clinician));
    expect(more).toEqual([]);
    expect(grant).toMatchObject({ patient: { patientId: target.patientId, mrn: "MRN-640001", name: expect.stringContaining("Endable") } });
    expect(new Date(grant!.expiresAt).getTime()).toBeGreaterThan(Date.now());

    await endGrant(actorOf(clinician), { grantId: grant!.grantId });
    expect(await myActiveGrants(actorOf(clinician))).toEqual([]);
    await expect(getChart(actorOf(clinician), target.patientId!)).rejects.toBeInstanceOf(NotFound);
    expect(await ends(grant!.grantId)).toMatchObject([{ actor_id: clinician.id, outcome: "allowed" }]);
    // Ending twice is refused and recorded, and changes nothing.
    const ended = await expiry(grant!.grantId);
    await expect(endGrant(actorOf(clinician), { grantId: grant!.grantId })).rejects.toBeInstanceOf(NotFound);
    expect(await expiry(grant!.grantId)).toBe(ended);
    expect((await ends(grant!.grantId)).map((e) => e.details.reason ?? null)).toEqual([null, "already-ended"]);
  });

  it("another clinician cannot end someone else's grant: refused as not found, audited, the grant stays live", async () => {
    const owner = await makeUser("clinician");
    const other = await makeUser("clinician");
    await breakGlass(actorOf(owner), { mrn: MRN, reason: REASON, code: await generate({ secret: owner.totpSecret! }) });
    const [grant] = await myActiveGrants(actorOf(owner));
    const before = await expiry(grant!.grantId);
    expect(await myActiveGrants(actorOf(other))).toEqual([]);
    await expect(endGrant(actorOf(other), { grantId: grant!.grantId })).rejects.toBeInstanceOf(NotFound);
    expect(await expiry(grant!.grantId)).toBe(before);
    expect((await getChart(actorOf(owner), patient.patientId!)).breakGlassUntil).not.toBeNull();
    expect(await ends(grant!.grantId)).toMatchObject([{ actor_id: other.id, outcome: "denied", details: { reason: "not-own" } }]);
  });

  it("the database refuses to lengthen a grant, even in the system context", async () => {
    const clinician = await makeUser("clinician");
    await breakGlass(actorOf(clinician), { mrn: MRN, reason: REASON, code: await generate({ secret: clinician.totpSecret! }) });
    const [grant] = await myActiveGrants(actorOf(clinician));
    await expect(
      withSystem(noRequest, ({ tx }) => tx.breakGlassGrant.update({ where: { id: grant!.grantId }, data: { expiresAt: new Date(Date.now() + 86_400_000) } })),
    ).rejects.toThrow(/only be shortened/);
  });
});

describe("break-glass grants", () => {
  it("a grant lasts BREAK_GLASS_MINUTES", async () => {
    process.env.BREAK_GLASS_MINUTES = "17";
    try {
      const clinician = await makeUser("clinician");
      const before = Date.now();
      const grant = await breakGlass(actorOf(clinician), { mrn: MRN, reason: REASON, code: await generate({ secret: clinician.totpSecret! }) });
      const after = Date.now();
      const [row] = await adminQuery<{ expires_at: Date }>("SELECT expires_at FROM break_glass_grant WHERE clinician_id = $1", [clinician.id]);
      const expires = row!.expires_at.getTime();
      expect(new Date(grant.expiresAt).getTime()).toBe(expires);
      expect(expires).toBeGreaterThanOrEqual(before + 17 * 60_000);
      expect(expires).toBeLessThanOrEqual(after + 17 * 60_000);
      const [event] = await adminQuery<{ details: Record<string, unknown> }>(
        "SELECT details FROM audit_event WHERE action = 'break_glass.grant' AND outcome = 'allowed' AND actor_id = $1",
        [clinician.id],
      );
      expect(event!.details).toEqual({ expiresAt: grant.expiresAt, minutes: 17 });
    } finally {
      delete process.env.BREAK_GLASS_MINUTES;
    }
  });

  it("an unknown MRN grants nothing and is recorded", async () => {
    const clinician = await makeUser("clinician");
    const code = await generate({ secret: clinician.totpSecret! });
    await expect(breakGlass(actorOf(clinician), { mrn: "BG-000000", reason: REASON, code })).rejects.toBeInstanceOf(NotFound);
    expect(await grantsOf(clinician.id)).toEqual([]);
    expect(await adminQuery("SELECT 1 FROM alert WHERE kind = 'break_glass' AND actor_id = $1", [clinician.id])).toEqual([]);
    expect((await refusals(clinician.id)).map((e) => e.details.reason)).toEqual(["unknown-mrn"]);
    await expect(getChart(actorOf(clinician), patient.patientId!)).rejects.toBeInstanceOf(NotFound);
  });
});
