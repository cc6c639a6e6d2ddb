import { spawn } from "node:child_process";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { ZodError } from "zod";
import { noRequest } from "@/lib/access/actor";
import { config } from "@/lib/config";
import { AccessDenied, Conflict, InvalidInput, NotFound } from "@/lib/access/errors";
import { currentTotp } from "@/lib/auth/totp";
import { openSystem } from "@/lib/crypto/secret";
import { purposeTexts } from "@/lib/consent/purposes";
import { blindIndex } from "@/lib/crypto/blind-index";
import { clearDataKeyCache, unwrapDataKey } from "@/lib/crypto/envelope";
import { DecryptError } from "@/lib/crypto/errors";
import { decryptField } from "@/lib/crypto/field";
import { pseudonym } from "@/lib/crypto/pseudonym";
import { addRecord, getChart } from "@/lib/services/chart";
import { currentConsents, grantConsent } from "@/lib/services/consent";
import { sealSystem } from "@/lib/crypto/secret";
import { cancelRequest, detailsAt, myRequests, submitRequest } from "@/lib/services/data-requests";
import { processDueErasures, replayErasureLedger } from "@/lib/services/erasure";
import { myRecord } from "@/lib/services/my-record";
import { searchPatients } from "@/lib/services/patient-search";
import { decidedRequests, decideRequest, extendRequest, requestQueue } from "@/lib/services/request-decisions";
import { researchDataset } from "@/lib/services/research";
import { verifyChain } from "./helpers/chain";
import { adminQuery, isEmbedded, sqlDump, testDatabaseUrl } from "./helpers/db";

import { actorOf, confirmedErasure, identity, makeCareTeam, makeUser, PASSWORD, request, type TestUser } from "./helpers/fixtures";

vi.hoisted(() => {
  process.env.CUSTODIA_ERASURE_LEDGER = `${process.env.TMPDIR ?? "/tmp"}/custodia-ledger-${process.pid}-${Date.now()}.jsonl`;
});

let admin: TestUser;
let clinician: TestUser;

let ssnCounter = 1000;
async function patientWithRecords(marker: string, records = 3): Promise<TestUser> {
  ssnCounter += 1;
  const p = await makeUser("patient", {
    patient: identity({ givenName: `${marker}Given`, mrn: `${marker.slice(0, 6).toUpperCase()}-1`, ssn: `321-54-${ssnCounter}`, email: `${marker.toLowerCase()}@mail.test` }),
  });
  await makeCareTeam([clinician.id], [p.patientId!]);
  for (let i = 0; i < records; i++) {
    await addRecord(actorOf(clinician), { patientId: p.patientId!, content: { kind: "note", date: "2026-01-01", title: `${marker} note ${i}`, text: `${marker} text` } });
  }
  return p;
}

beforeAll(async () => {
  admin = await makeUser("admin");
  clinician = await makeUser("clinician");
});

describe("rectification, restriction and objection", () => {
  it("applies a valid contact correction at once, audits it, shows the patient their value and never queues it for the admin", async () => {
    const p = await patientWithRecords("Rectme");
    const id = await submitRequest(actorOf(p), { kind: "rectification", field: "email", proposedValue: "new-address@mail.test", reason: "I changed provider" });
    expect((await myRecord(actorOf(p))).identity.email).toBe("new-address@mail.test");
    const [mine] = await myRequests(actorOf(p));
    expect(mine).toMatchObject({ status: "completed", summary: "Correct email to “new-address@mail.test”: I changed provider" });
    expect(mine!.history.map((h) => [h.status, h.by])).toEqual([["pending", "patient"], ["completed", "system"]]);
    expect((await requestQueue(actorOf(admin))).map((r) => r.id)).not.toContain(id);
    const rows = await adminQuery("SELECT 1 FROM patient_identity WHERE email_bidx = $1", [blindIndex("email", "new-address@mail.test")]);
    expect(rows).toHaveLength(1);
    const events = await adminQuery<{ action: string; actor_id: string; details: { field?: string } }>(
      "SELECT action, actor_id, details FROM audit_event WHERE resource_id = $1 ORDER BY occurred_at, action",
      [id],
    );
    expect(events.map((e) => e.action).sort()).toEqual(["request.auto_apply", "request.submit"]);
    expect(events.find((e) => e.action === "request.auto_apply")).toMatchObject({ actor_id: p.id, details: { field: "email" } });
    expect(JSON.stringify(events)).not.toContain("new-address");
  });

  it("refuses markup and emoji in a phone or name with a field message, and stores nothing", async () => {
    const p = await makeUser("patient", { patient: identity({ givenName: "Safe", familyName: "Phoneholder", phone: "+1 555 0100" }) });
    const before = await adminQuery("SELECT * FROM patient_identity WHERE patient_id = $1", [p.patientId]);
    const attempts = [
      { field: "phone", proposedValue: "<script>alert(1)</script> ☎️ 😀 Ñoño", message: "Enter a phone number with digits only, like +44 20 7946 0958." },
      { field: "phone", proposedValue: "12", message: "A phone number has 7 to 15 digits. Check the number." },
      { field: "givenName", proposedValue: "<b>Bob</b>", message: "Use letters, spaces, hyphens or apostrophes only." },
      { field: "familyName", proposedValue: "Smith 😀", message: "Use letters, spaces, hyphens or apostrophes only." },
      { field: "address", proposedValue: "1 Main St <script>", message: "Use letters, numbers and ordinary punctuation only (no symbols like < > or emoji)." },
      { field: "email", proposedValue: "not-an-address", message: "Enter an email address, like name@example.com." },
    ];
    for (const { field, proposedValue, message } of attempts) {
      const result = submitRequest(actorOf(p), { kind: "rectification", field, proposedValue, reason: "Please fix my details" });
      await expect(result, field).rejects.toMatchObject({ issues: [{ path: ["proposedValue"], message }] });
    }
    expect(await myRequests(actorOf(p))).toEqual([]);
    expect(await adminQuery("SELECT * FROM patient_identity WHERE patient_id = $1", [p.patientId])).toEqual(before);
    expect((await myRecord(actorOf(p))).identity.phone).toBe("+1 555 0100");
  });

  it("accepts names in any script with marks, hyphens and apostrophes, and re-keys name search", async () => {
    const p = await makeUser("patient", { patient: identity({ givenName: "Misspelt", familyName: "Namefix", birthDate: "1975-06-30" }) });
    await makeCareTeam([clinician.id], [p.patientId!]);
    const byName = (givenName: string) => searchPatients(actorOf(clinician), { by: "nameDob", givenName, familyName: "Namefix", birthDate: "1975-06-30" });
    expect((await byName("Misspelt")).map((r) => r.patientId)).toEqual([p.patientId]);
    await submitRequest(actorOf(p), { kind: "rectification", field: "givenName", proposedValue: "Ñoño-Zoë O’Brien", reason: "My name is spelt wrong" });
    expect((await byName("Ñoño-Zoë O’Brien")).map((r) => r.patientId)).toEqual([p.patientId]);
    expect(await byName("Misspelt")).toEqual([]);
  });

  it("an admin cannot approve an older rectification blind: approval is refused, rejection still works", async () => {
    const p = await patientWithRecords("Legacyfix");
    // A request stored before values were checked at submission, written as the old code did.
    const id = crypto.randomUUID();
    const details = { kind: "rectification", field: "phone", proposedValue: "<script>alert(1)</script>", reason: "Old request" };
    await adminQuery(
      `INSERT INTO data_request (id, patient_id, patient_pseudonym, kind, status, details_enc, gdpr_due_at, hipaa_due_at, created_at)
       VALUES ($1, $2, $3, 'rectification', 'pending', $4, now() + interval '30 days', now() + interval '30 days', now())`,
      [id, p.patientId, pseudonym(p.patientId!), sealSystem(JSON.stringify(details), detailsAt(id))],
    );
    const queued = (await requestQueue(actorOf(admin))).find((r) => r.id === id)!;
    expect(queued.summary).toBe("Correct phone: Old request");
    await expect(decideRequest(actorOf(admin), { requestId: id, decision: "approve", reason: "Looks fine to me" })).rejects.toBeInstanceOf(Conflict);
    expect((await myRecord(actorOf(p))).identity.phone).toBeNull();
    await decideRequest(actorOf(admin), { requestId: id, decision: "reject", reason: "Please send it again" });
    expect((await myRequests(actorOf(p))).find((r) => r.id === id)).toMatchObject({ status: "rejected" });
  });

  it("computes legal deadlines and extends them once with a reason", async () => {
    const p = await patientWithRecords("Deadline");
    const id = await submitRequest(actorOf(p), { kind: "restriction", reason: "Accuracy contested" });
    const [before] = await myRequests(actorOf(p));
    const created = new Date(before!.createdAt).getTime();
    expect(new Date(before!.hipaaDueAt).getTime() - created).toBe(30 * 86_400_000);
    expect((new Date(before!.gdprDueAt).getTime() - created) / 86_400_000).toBeGreaterThanOrEqual(28);
    await extendRequest(actorOf(admin), { requestId: id, reason: "Complex request involving several departments" });
    await expect(extendRequest(actorOf(admin), { requestId: id, reason: "Another try at extending" })).rejects.toBeInstanceOf(Conflict);
    const [after] = await myRequests(actorOf(p));
    expect(new Date(after!.hipaaDueAt).getTime() - new Date(before!.hipaaDueAt).getTime()).toBe(30 * 86_400_000);
    expect(after!.extendedReason).toContain("several departments");
  });

  it("keeps a restricted patient out of research even with consent, and turns an objection into a withdrawal", async () => {
    const p = await patientWithRecords("Restrict", 0);
    await addRecord(actorOf(clinician), { patientId: p.patientId!, content: { kind: "observation", date: "2026-02-02", code: "8867-4", display: "Heart rate", value: 70, unit: "/min" } });
    await grantConsent(actorOf(p), { purpose: "research", textVersion: purposeTexts.research.version });
    expect((await researchDataset(noRequest)).some((d) => d.subject === pseudonym(p.patientId!))).toBe(true);
    const restriction = await submitRequest(actorOf(p), { kind: "restriction", reason: "Pending my complaint" });
    await decideRequest(actorOf(admin), { requestId: restriction, decision: "approve", reason: "Art. 18(1)(a) applies" });
    expect((await researchDataset(noRequest)).some((d) => d.subject === pseudonym(p.patientId!))).toBe(false);

    await grantConsent(actorOf(p), { purpose: "marketing", textVersion: purposeTexts.marketing.version });
    const objection = await submitRequest(actorOf(p), { kind: "objection", purpose: "marketing", reason: "Stop contacting me" });
    await decideRequest(actorOf(admin), { requestId: objection, decision: "approve", reason: "Objection upheld" });
    expect((await currentConsents(actorOf(p))).find((c) => c.purpose === "marketing")!.granted).toBe(false);
  });

  it("keeps decided requests in a history, newest decision first, filtered by kind and outcome", async () => {
    const p = await patientWithRecords("History");
    const restrictionId = await submitRequest(actorOf(p), { kind: "restriction", reason: "History: restrict please" });
    const objectionId = await submitRequest(actorOf(p), { kind: "objection", purpose: "marketing", reason: "History: no marketing" });
    await decideRequest(actorOf(admin), { requestId: restrictionId, decision: "approve", reason: "Art. 18 applies here" });
    await decideRequest(actorOf(admin), { requestId: objectionId, decision: "reject", reason: "Not processed for that" });

    const all = await decidedRequests(actorOf(admin), {});
    expect(all.map((r) => r.id).slice(0, 2)).toEqual([objectionId, restrictionId]);
    expect(all[1]).toMatchObject({ status: "completed", decisionReason: "Art. 18 applies here", patientPseudonym: pseudonym(p.patientId!) });
    expect((await requestQueue(actorOf(admin))).map((r) => r.id)).not.toContain(restrictionId);

    const rejected = await decidedRequests(actorOf(admin), { status: "rejected", kind: "" });
    expect(rejected.map((r) => r.id)).toContain(objectionId);
    expect(rejected.every((r) => r.status === "rejected")).toBe(true);
    const restrictions = await decidedRequests(actorOf(admin), { kind: "restriction" });
    expect(restrictions.every((r) => r.kind === "restriction")).toBe(true);
    await expect(decidedRequests(actorOf(admin), { status: "pending" })).rejects.toThrow(ZodError);
  });

  it("lets only the patient submit and only admins decide, recording the refusals", async () => {
    await expect(submitRequest(actorOf(clinician), { ...confirmedErasure })).rejects.toBeInstanceOf(AccessDenied);
    await expect(requestQueue(actorOf(clinician))).rejects.toBeInstanceOf(AccessDenied);
    await expect(decidedRequests(actorOf(clinician), {})).rejects.toBeInstanceOf(AccessDenied);
    await expect(submitRequest(actorOf(admin), { kind: "restriction", reason: "not mine" })).rejects.toBeInstanceOf(AccessDenied);
    const denials = await adminQuery("SELECT * FROM audit_event WHERE action = 'access.denied' AND actor_id IN ($1, $2)", [clinician.id, admin.id]);
    expect(denials).toHaveLength(4);
  });
});

/** Decrypts the patient's given name straight from the rows, as anyone holding the restored copy could. */
async function restoredGivenName(patientId: string): Promise<string | null> {
  const [row] = await adminQuery<{ dek_wrapped: string; given_name_enc: string }>(
    "SELECT k.dek_wrapped, i.given_name_enc FROM patient_key k JOIN patient_identity i ON i.patient_id = k.patient_id WHERE k.patient_id = $1",
    [patientId],
  );
  if (!row) return null;
  clearDataKeyCache();
  const dek = unwrapDataKey(patientId, row.dek_wrapped);
  return decryptField(dek, row.given_name_enc, { table: "patient_identity", column: "given_name_enc", rowId: patientId });
}

/** The refusal a service threw, with the field it names (what the patient sees next to the field). */
async function refusal(promise: Promise<unknown>): Promise<Record<string, string[]>> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(InvalidInput);
  return (error as InvalidInput).fieldErrors;
}

const reauthEvents = (userId: string) =>
  adminQuery<{ outcome: string; details: Record<string, unknown> }>(
    "SELECT outcome, details FROM audit_event WHERE action = 'auth.reauth' AND actor_id = $1 ORDER BY seq",
    [userId],
  );
const erasureRequests = (patientId: string) => adminQuery("SELECT 1 FROM data_request WHERE patient_id = $1 AND kind = 'erasure'", [patientId]);

describe("erasure asks the account owner to prove it is them", () => {
  it("refuses a wrong password, logs the refusal, and requests nothing", async () => {
    const p = await patientWithRecords("Wrongpw", 0);
    const errors = await refusal(submitRequest(actorOf(p), { ...confirmedErasure, password: "not my password" }));
    expect(errors.password).toEqual(["That password is not correct. Nothing has been changed."]);
    expect(await erasureRequests(p.patientId!)).toHaveLength(0);
    expect(await reauthEvents(p.id)).toEqual([
      { outcome: "denied", details: { purpose: "request.erasure", step: "password", reason: "wrong-password" } },
    ]);
  });

  it("refuses without the ticked confirmation or without a password, before anything is checked", async () => {
    const p = await patientWithRecords("Untick", 0);
    await expect(submitRequest(actorOf(p), { kind: "erasure", password: PASSWORD })).rejects.toBeInstanceOf(ZodError);
    await expect(submitRequest(actorOf(p), { kind: "erasure", confirmed: "yes" })).rejects.toBeInstanceOf(ZodError);
    expect(await erasureRequests(p.patientId!)).toHaveLength(0);
  });

  it("with the right password records the request, audits the re-authentication, and never stores the password", async () => {
    const p = await patientWithRecords("Rightpw", 0);
    const id = await submitRequest(actorOf(p), { ...confirmedErasure, reason: "Moving abroad" });
    const [row] = await adminQuery<{ details_enc: string; dek_wrapped: string }>(
      "SELECT r.details_enc, k.dek_wrapped FROM data_request r JOIN patient_key k ON k.patient_id = r.patient_id WHERE r.id = $1",
      [id],
    );
    // Under the patient's data key, not the system key: their erasure shreds it, old dumps included.
    expect(() => openSystem(row!.details_enc, detailsAt(id))).toThrow(DecryptError);
    const dek = unwrapDataKey(p.patientId!, row!.dek_wrapped);
    expect(JSON.parse(decryptField(dek, row!.details_enc, detailsAt(id)))).toEqual({ kind: "erasure", reason: "Moving abroad" });
    expect(await reauthEvents(p.id)).toEqual([{ outcome: "allowed", details: { purpose: "request.erasure", factors: ["password"] } }]);
    await cancelRequest(actorOf(p), { requestId: id });
  });

  it("with an authenticator enrolled, also needs its code: missing or wrong is refused and logged", async () => {
    const p = await makeUser("patient", { totp: true });
    const missing = await refusal(submitRequest(actorOf(p), { ...confirmedErasure }));
    expect(missing.code).toEqual(["Enter the 6-digit code from your authenticator app."]);
    const wrong = (await currentTotp(p.totpSecret!)) === "000000" ? "111111" : "000000";
    const wrongCode = await refusal(submitRequest(actorOf(p), { ...confirmedErasure, code: wrong }));
    expect(wrongCode.code![0]).toMatch(/^That code is not correct/);
    expect(await erasureRequests(p.patientId!)).toHaveLength(0);
    const id = await submitRequest(actorOf(p), { ...confirmedErasure, code: await currentTotp(p.totpSecret!) });
    expect((await reauthEvents(p.id)).map((e) => [e.outcome, e.details.step ?? e.details.factors, e.details.reason])).toEqual([
      ["denied", "code", "missing-code"],
      ["denied", "code", "wrong-code"],
      ["allowed", ["password", "totp"], undefined],
    ]);
    await cancelRequest(actorOf(p), { requestId: id });
  });

  it("counts against the sign-in lockout, also in parallel: after the limit even the right password is refused", async () => {
    const p = await patientWithRecords("Lockpw", 0);
    // One address of its own, so other tests' attempts from the shared fixture address do not count here.
    const actor = { ...actorOf(p), request: request("198.51.100.44") };
    const guesses = await Promise.allSettled(Array.from({ length: 9 }, (_, i) => submitRequest(actor, { ...confirmedErasure, password: `guess number ${i}` })));
    for (const g of guesses) expect(g.status === "rejected" && g.reason).toBeInstanceOf(InvalidInput);
    const errors = await refusal(submitRequest(actor, { ...confirmedErasure }));
    expect(errors.password![0]).toMatch(/^Too many wrong attempts/);
    expect(await erasureRequests(p.patientId!)).toHaveLength(0);
    const events = await reauthEvents(p.id);
    expect(events).toHaveLength(10);
    expect(events.every((e) => e.outcome === "denied")).toBe(true);
    // At most the lockout's limit of guesses were ever checked against the password.
    expect(events.filter((e) => e.details.reason === "wrong-password").length).toBeLessThanOrEqual(5);
    expect(await adminQuery("SELECT 1 FROM audit_event WHERE action = 'auth.lockout' AND actor_id = $1", [p.id])).toHaveLength(1);
  });
});

describe("erasure", () => {
  it("is one open request per patient, also when submissions race", async () => {
    const p = await patientWithRecords("Racing", 0);
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => submitRequest(actorOf(p), { ...confirmedErasure })));
    const accepted = results.filter((r): r is PromiseFulfilledResult<string> => r.status === "fulfilled");
    expect(accepted).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(Conflict);
    expect(await adminQuery("SELECT 1 FROM data_request WHERE patient_id = $1 AND kind = 'erasure'", [p.patientId])).toHaveLength(1);
    // Not left scheduled for the next test's erasure run.
    await cancelRequest(actorOf(p), { requestId: accepted[0]!.value });
  });

  it("can be cancelled during the grace period, requested again, and runs only after it", async () => {
    const p = await patientWithRecords("Graceful");
    const first = await submitRequest(actorOf(p), { ...confirmedErasure });
    await expect(submitRequest(actorOf(p), { ...confirmedErasure })).rejects.toBeInstanceOf(Conflict);
    await cancelRequest(actorOf(p), { requestId: first });
    const second = await submitRequest(actorOf(p), { ...confirmedErasure, reason: "Leaving the country" });
    expect(await processDueErasures(noRequest, new Date())).toBe(0);
    expect((await myRecord(actorOf(p))).identity.givenName).toBe("GracefulGiven");
    expect(await processDueErasures(noRequest, new Date(Date.now() + 31 * 86_400_000))).toBe(1);
    const [req] = await adminQuery<{ status: string }>("SELECT status FROM data_request WHERE id = $1", [second]);
    expect(req!.status).toBe("completed");
  });

  it("leaves no plaintext, no matching blind index, a ledger entry, restricted records and a verifying audit chain", async () => {
    const p = await patientWithRecords("Erasable");
    await getChart(actorOf(clinician), p.patientId!);
    await submitRequest(actorOf(p), { kind: "rectification", field: "address", proposedValue: "Qerasedaddress 5", reason: "Moved house" });
    await submitRequest(actorOf(p), { ...confirmedErasure });
    expect(await processDueErasures(noRequest, new Date(Date.now() + 31 * 86_400_000))).toBe(1);

    const dump = (await sqlDump()).toLowerCase();
    const ssn = `321-54-${ssnCounter}`;
    for (const marker of ["erasablegiven", "erasable@mail.test", ssn, "erasable text"]) expect(dump).not.toContain(marker);
    // The rectification's new value was sealed with the system key, so erasure must remove the request itself.
    const requests = await adminQuery<{ kind: string }>("SELECT kind FROM data_request WHERE patient_pseudonym = $1", [pseudonym(p.patientId!)]);
    expect(requests.map((r) => r.kind)).toEqual(["erasure"]);
    for (const [kind, value] of [["mrn", "ERASAB-1"], ["ssn", ssn], ["email", "erasable@mail.test"]] as const) {
      const column = `${kind}_bidx`;
      expect(await adminQuery(`SELECT 1 FROM patient_identity WHERE ${column} = $1`, [blindIndex(kind, value)]), kind).toEqual([]);
    }
    expect(await searchPatients(actorOf(clinician), { by: "mrn", mrn: "ERASAB-1" })).toEqual([]);
    const [ledger] = await adminQuery<{ retained: string[] }>("SELECT * FROM erasure_ledger WHERE patient_pseudonym = $1", [pseudonym(p.patientId!)]);
    expect(ledger!.retained).toHaveLength(1);
    expect(await adminQuery("SELECT 1 FROM clinical_record WHERE patient_id = $1", [p.patientId])).toHaveLength(3);
    expect(await adminQuery("SELECT 1 FROM patient_restriction WHERE patient_id = $1 AND reason = 'retention'", [p.patientId])).toHaveLength(1);
    await expect(getChart(actorOf(clinician), p.patientId!)).rejects.toBeInstanceOf(NotFound);
    expect(await verifyChain()).toEqual([]);
  });

  it("is re-applied from the ledger after a restore brings the patient back", async () => {
    const p = await patientWithRecords("Restored", 1);
    const snapshot = await adminQuery<{ row: string }>("SELECT row_to_json(i)::text AS row FROM patient_identity i WHERE patient_id = $1", [p.patientId]);
    const dek = await adminQuery<{ dek_wrapped: string }>("SELECT dek_wrapped FROM patient_key WHERE patient_id = $1", [p.patientId]);
    const records = await adminQuery<{ id: string; content_enc: string }>("SELECT id, content_enc FROM clinical_record WHERE patient_id = $1", [p.patientId]);
    await submitRequest(actorOf(p), { ...confirmedErasure });
    await processDueErasures(noRequest, new Date(Date.now() + 31 * 86_400_000));
    // The "restore": identity, old wrapped key and old ciphertext come back from an older copy.
    await adminQuery("INSERT INTO patient_identity SELECT * FROM json_populate_record(null::patient_identity, $1::json)", [snapshot[0]!.row]);
    await adminQuery("UPDATE patient_key SET dek_wrapped = $1 WHERE patient_id = $2", [dek[0]!.dek_wrapped, p.patientId]);
    for (const r of records) await adminQuery("UPDATE clinical_record SET content_enc = $1 WHERE id = $2", [r.content_enc, r.id]);
    await adminQuery("DELETE FROM patient_restriction WHERE patient_id = $1", [p.patientId]);
    expect(await restoredGivenName(p.patientId!)).toBe("RestoredGiven");
    expect(await replayErasureLedger()).toBe(1);
    expect(await restoredGivenName(p.patientId!)).toBeNull();
    expect(await adminQuery("SELECT 1 FROM clinical_record WHERE patient_id = $1", [p.patientId])).toHaveLength(1);
  });

  it.skipIf(isEmbedded())("killed at random points, leaves the patient untouched or fully erased, never half", async () => {
    const run = (killAfterMs: number | null) =>
      new Promise<number>((resolve) => {
        const started = Date.now();
        const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/erasure-process.ts"], {
          env: { ...process.env, DATABASE_URL: testDatabaseUrl() },
        });
        const timer = killAfterMs === null ? undefined : setTimeout(() => child.kill("SIGKILL"), killAfterMs);
        child.on("exit", () => {
          clearTimeout(timer);
          resolve(Date.now() - started);
        });
      });
    const observed: string[] = [];
    let fullRunMs = 0;
    for (let round = 0; round < 6; round++) {
      const p = await patientWithRecords(`Crash${round}x`, 60);
      const request = await submitRequest(actorOf(p), { ...confirmedErasure });
      await adminQuery("UPDATE data_request SET execute_after = now() WHERE id = $1", [request]);
      // Round 0 runs to the end to time the job; later rounds are killed somewhere inside that span.
      const delay = round === 0 ? null : Math.floor(fullRunMs * (0.5 + Math.random() * 0.55));
      const took = await run(delay);
      if (round === 0) fullRunMs = took;
      const identityLeft = (await adminQuery("SELECT 1 FROM patient_identity WHERE patient_id = $1", [p.patientId])).length;
      const ledger = (await adminQuery("SELECT 1 FROM erasure_ledger WHERE patient_pseudonym = $1", [pseudonym(p.patientId!)])).length;
      const restricted = (await adminQuery("SELECT 1 FROM patient_restriction WHERE patient_id = $1", [p.patientId])).length;
      const [status] = await adminQuery<{ status: string }>("SELECT status FROM data_request WHERE id = $1", [request]);
      const state = [identityLeft, ledger, restricted, status!.status].join(",");
      observed.push(`${delay ?? "full"}ms:${state}`);
      expect(["1,0,0,scheduled", "0,1,1,completed"], `round ${round} after ${delay} ms`).toContain(state);
      if (state.startsWith("1")) expect((await myRecord(actorOf(p))).entries).toHaveLength(60);
      // Leave no scheduled erasure behind for the next round's job to pick up.
      await adminQuery("UPDATE data_request SET status = 'cancelled' WHERE id = $1 AND status = 'scheduled'", [request]);
    }
    expect(observed[0]).toBe("fullms:0,1,1,completed");
    console.info(`erasure crash rounds: ${observed.join(" | ")}`);
    // Six rounds of 60 audited writes and a child process each: minutes on a busy 2-core machine.
  }, 240_000);
});

describe("erasure decisions are final and the administrator's alone", () => {
  const requestRow = (id: string) =>
    adminQuery<{ status: string; hipaa_due_at: Date; gdpr_due_at: Date; decided_by: string | null }>(
      "SELECT status, hipaa_due_at, gdpr_due_at, decided_by::text FROM data_request WHERE id = $1",
      [id],
    );
  const stillThere = async (p: TestUser) => (await myRecord(actorOf(p))).identity.givenName;

  it("a decided request cannot be decided again", async () => {
    const p = await patientWithRecords("Redecide", 1);
    const id = await submitRequest(actorOf(p), { ...confirmedErasure });
    await decideRequest(actorOf(admin), { requestId: id, decision: "reject", reason: "Records under legal hold" });
    const [rejected] = await requestRow(id);
    expect(rejected!.status).toBe("rejected");
    await expect(decideRequest(actorOf(admin), { requestId: id, decision: "approve", reason: "Changed my mind later" })).rejects.toBeInstanceOf(Conflict);
    await expect(extendRequest(actorOf(admin), { requestId: id, reason: "Extending a closed request" })).rejects.toBeInstanceOf(Conflict);
    expect(await requestRow(id)).toEqual([rejected]);
    expect(await processDueErasures(noRequest, new Date(Date.now() + 31 * 86_400_000))).toBe(0);
    expect(await stillThere(p)).toBe("RedecideGiven");
    const decisions = await adminQuery<{ details: { decision: string } }>("SELECT details FROM audit_event WHERE action = 'request.decide' AND resource_id = $1", [id]);
    expect(decisions.map((d) => d.details.decision)).toEqual(["reject"]);
  });

  it("a clinician or auditor cannot decide or extend a request: refused, logged, and nothing changes", async () => {
    const auditor = await makeUser("auditor");
    const nurse = await makeUser("clinician");
    const p = await patientWithRecords("Notyours", 1);
    const id = await submitRequest(actorOf(p), { ...confirmedErasure });
    // Cancelled whatever happens, so no later test finds it scheduled.
    try {
      const before = await requestRow(id);
      for (const staff of [nurse, auditor]) {
        await expect(decideRequest(actorOf(staff), { requestId: id, decision: "reject", reason: "Not my call to make" })).rejects.toBeInstanceOf(AccessDenied);
        await expect(extendRequest(actorOf(staff), { requestId: id, reason: "Not my call to make either" })).rejects.toBeInstanceOf(AccessDenied);
      }
      expect(await requestRow(id)).toEqual(before);
      expect(before[0]!.status).toBe("scheduled");
      const denied = await adminQuery<{ actor_id: string }>(
        "SELECT actor_id::text FROM audit_event WHERE action = 'access.denied' AND details->>'permission' = 'erasure.manage' AND actor_id IN ($1, $2) ORDER BY seq",
        [nurse.id, auditor.id],
      );
      expect(denied.map((d) => d.actor_id)).toEqual([nurse.id, nurse.id, auditor.id, auditor.id]);
      expect(await adminQuery("SELECT 1 FROM audit_event WHERE action IN ('request.decide', 'request.extend') AND resource_id = $1", [id])).toEqual([]);
    } finally {
      await cancelRequest(actorOf(p), { requestId: id });
    }
  });

  it("schedules erasure exactly one grace period out", async () => {
    const p = await patientWithRecords("Onegrace", 1);
    const id = await submitRequest(actorOf(p), { ...confirmedErasure });
    const [row] = await adminQuery<{ created_at: Date; execute_after: Date }>("SELECT created_at, execute_after FROM data_request WHERE id = $1", [id]);
    const graceMs = config().erasureGraceSeconds * 1000;
    expect(graceMs).toBe(30 * 86_400_000);
    expect(row!.execute_after.getTime() - row!.created_at.getTime()).toBe(graceMs);
    expect(await processDueErasures(noRequest, new Date(row!.created_at.getTime() + graceMs - 60_000))).toBe(0);
    expect(await stillThere(p)).toBe("OnegraceGiven");
    expect(await processDueErasures(noRequest, new Date(row!.created_at.getTime() + graceMs))).toBe(1);
    expect((await requestRow(id))[0]!.status).toBe("completed");
  });
});
