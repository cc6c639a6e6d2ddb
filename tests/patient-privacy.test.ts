import { beforeAll, describe, expect, it } from "vitest";
import { noRequest } from "@/lib/access/actor";
import { AccessDenied, Conflict } from "@/lib/access/errors";
import { purposeTexts } from "@/lib/consent/purposes";
import { pseudonym } from "@/lib/crypto/pseudonym";
import { myAccessLog } from "@/lib/services/access-log";
import { addRecord, getChart } from "@/lib/services/chart";
import { consentHistory, currentConsents, grantConsent, withdrawConsent } from "@/lib/services/consent";
import { myRecord } from "@/lib/services/my-record";
import { researchDataset } from "@/lib/services/research";
import { asRuntimeRole } from "./helpers/runtime-role";
import { actorOf, identity, makeCareTeam, makeUser, type TestUser } from "./helpers/fixtures";

let alice: TestUser;
let bob: TestUser;
let clinician: TestUser;
const research = { purpose: "research" as const, textVersion: purposeTexts.research.version };

beforeAll(async () => {
  alice = await makeUser("patient", { patient: identity({ givenName: "Alice", ssn: "123-45-6789" }) });
  bob = await makeUser("patient", { patient: identity({ givenName: "Bob" }) });
  clinician = await makeUser("clinician");
  await makeCareTeam([clinician.id], [alice.patientId!, bob.patientId!]);
  for (const p of [alice, bob]) {
    await addRecord(actorOf(clinician), {
      patientId: p.patientId!,
      content: { kind: "observation", date: "2026-03-04", code: "8867-4", display: "Heart rate", value: 72, unit: "/min" },
    });
  }
});

describe("consent", () => {
  it("starts with nothing granted, and keeps every decision with the text version shown", async () => {
    expect((await currentConsents(actorOf(alice))).every((c) => !c.granted)).toBe(true);
    await grantConsent(actorOf(alice), research);
    await withdrawConsent(actorOf(alice), research);
    await grantConsent(actorOf(alice), research);
    const state = (await currentConsents(actorOf(alice))).find((c) => c.purpose === "research")!;
    expect(state.granted).toBe(true);
    const history = await consentHistory(actorOf(alice));
    expect(history.map((h) => h.decision)).toEqual(["granted", "withdrawn", "granted"]);
    expect(history.every((h) => h.textVersion === purposeTexts.research.version && h.byPatient && h.method === "web")).toBe(true);
  });

  it("refuses consent to a text version that is no longer shown, and changes nothing", async () => {
    const before = (await consentHistory(actorOf(bob))).length;
    await expect(grantConsent(actorOf(bob), { purpose: "marketing", textVersion: "1999-01" })).rejects.toBeInstanceOf(Conflict);
    expect(await consentHistory(actorOf(bob))).toHaveLength(before);
  });

  it("is the patient's own: staff cannot change it, and the database refuses a forged patient id", async () => {
    await expect(grantConsent(actorOf(clinician), research)).rejects.toBeInstanceOf(AccessDenied);
    const forged = asRuntimeRole(
      "INSERT INTO consent_event (patient_id, purpose, decision, text_version, method, actor_id) VALUES ($1, 'research', 'granted', 'x', 'web', $2)",
      [bob.patientId, alice.id],
      { role: "patient", actorId: alice.id, patientId: alice.patientId! },
    );
    await expect(forged).rejects.toThrow(/row-level security/);
    await expect(asRuntimeRole("UPDATE consent_event SET decision = 'granted'", [], { role: "system" })).rejects.toThrow(/permission denied/);
  });

  it("limits the research dataset to patients whose current consent is granted, pseudonymized", async () => {
    const data = await researchDataset(noRequest);
    const subjects = new Set(data.map((d) => d.subject));
    expect(subjects.has(pseudonym(alice.patientId!))).toBe(true);
    expect(subjects.has(pseudonym(bob.patientId!))).toBe(false);
    expect(JSON.stringify(data)).not.toContain("Alice");
    expect(data.every((d) => /^\d{4}$/.test(d.year))).toBe(true);
  });

  it("never includes a patient in a research read that starts after their withdrawal committed", async () => {
    for (let round = 0; round < 15; round++) {
      await grantConsent(actorOf(bob), research);
      const withdrawal = withdrawConsent(actorOf(bob), research);
      const during = researchDataset(noRequest);
      await withdrawal;
      const after = await researchDataset(noRequest);
      expect(after.some((d) => d.subject === pseudonym(bob.patientId!)), `round ${round}`).toBe(false);
      await during;
    }
  });

  it("marketing consent does not enrol a patient in research", async () => {
    const carol = await makeUser("patient", { patient: identity({ givenName: "Carol" }) });
    await makeCareTeam([clinician.id], [carol.patientId!]);
    await addRecord(actorOf(clinician), {
      patientId: carol.patientId!,
      content: { kind: "observation", date: "2026-03-05", code: "8867-4", display: "Heart rate", value: 64, unit: "/min" },
    });
    const inResearch = async () => (await researchDataset(noRequest)).some((d) => d.subject === pseudonym(carol.patientId!));
    await grantConsent(actorOf(carol), research);
    expect(await inResearch()).toBe(true);
    await withdrawConsent(actorOf(carol), research);
    await grantConsent(actorOf(carol), { purpose: "marketing", textVersion: purposeTexts.marketing.version });
    expect((await currentConsents(actorOf(carol))).filter((c) => c.granted).map((c) => c.purpose)).toEqual(["marketing"]);
    expect(await inResearch()).toBe(false);
  });
});

describe("my record and who accessed it", () => {
  it("shows the patient their own record with only the last four SSN digits", async () => {
    const record = await myRecord(actorOf(alice));
    expect(record.identity.givenName).toBe("Alice");
    expect(record.identity.ssnLast4).toBe("6789");
    expect(JSON.stringify(record)).not.toContain("123-45-6789");
    expect(record.entries.map((e) => e.kind)).toEqual(["observation"]);
  });

  it("lists each staff access with the staff member's name and role, and nobody else's", async () => {
    await getChart(actorOf(clinician), alice.patientId!);
    const log = await myAccessLog(actorOf(alice));
    expect(log.find((e) => e.what === "Opened your chart")).toMatchObject({ who: "Test clinician", role: "Clinician", breakGlass: false });
    expect(log.some((e) => e.what === "Added to your record")).toBe(true);
    const bobs = await myAccessLog(actorOf(bob));
    expect(bobs.some((e) => e.what === "Opened your chart")).toBe(false);
  });

  it("collapses repeated views into one line with a count, and never shows an action code", async () => {
    const before = (await myAccessLog(actorOf(alice))).find((e) => e.what === "Opened your chart")?.times ?? 0;
    for (let i = 0; i < 3; i++) await getChart(actorOf(clinician), alice.patientId!);
    const log = await myAccessLog(actorOf(alice));
    const [latest] = log;
    expect(latest).toMatchObject({ what: "Opened your chart", who: "Test clinician", times: before + 3 });
    expect(Date.parse(latest!.firstAt)).toBeLessThanOrEqual(Date.parse(latest!.at));
    for (const e of log) expect(e.what, e.what).not.toMatch(/^[a-z_]+\.[a-z_.]+$/);
  });
});
