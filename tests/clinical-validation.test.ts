import { beforeAll, describe, expect, it } from "vitest";
import { addRecord, amendRecord, getChart } from "@/lib/services/chart";
import { describeError } from "@/lib/http/errors";
import { contentFromForm } from "@/lib/validation/clinical-form";
import { adminQuery } from "./helpers/db";
import { actorOf, identity, makeCareTeam, makeUser, type TestUser } from "./helpers/fixtures";

let patient: TestUser;
let clinician: TestUser;

beforeAll(async () => {
  patient = await makeUser("patient", { patient: identity() });
  clinician = await makeUser("clinician");
  await makeCareTeam([clinician.id], [patient.patientId!]);
});

async function recordCount(): Promise<number> {
  const rows = await adminQuery<{ n: string }>("SELECT count(*)::text AS n FROM clinical_record WHERE patient_id = $1", [patient.patientId]);
  return Number(rows[0]!.n);
}

/** What the clinician's form would send, through the same conversion the server action uses. */
function submitted(fields: Record<string, string>): Record<string, unknown> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  return contentFromForm(form);
}

/** The words the clinician sees beside each field when the service refuses. */
async function refusal(content: Record<string, unknown>): Promise<string[]> {
  const error = await addRecord(actorOf(clinician), { patientId: patient.patientId!, content: content as never }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, "the entry should have been refused").not.toBeNull();
  expect(describeError(error)?.status).toBe(400);
  return (error as { issues: { message: string }[] }).issues.map((i) => i.message);
}

const developerText = /expected|Invalid|pattern|Too (small|big)|received|NaN/;

describe("clinical entries are validated on the server with the form's schema", () => {
  it("refuses a heart rate of -5 with its range in plain words, and writes nothing", async () => {
    const before = await recordCount();
    const messages = await refusal(submitted({ kind: "observation", date: "2026-01-10", code: "8867-4", display: "Heart rate", unit: "/min", value: "-5" }));
    expect(messages).toEqual(["Heart rate must be between 20 and 250 beats/min. Check the value."]);
    expect(await recordCount()).toBe(before);
  });

  it("refuses a code that is not on the curated LOINC list, and a unit that is not the code's", async () => {
    const before = await recordCount();
    expect(await refusal(submitted({ kind: "observation", date: "2026-01-10", code: "abc", display: "Heart rate", unit: "", value: "70" }))).toEqual([
      "Choose an observation from the list.",
    ]);
    expect(await refusal(submitted({ kind: "observation", date: "2026-01-10", code: "8867-4", display: "Heart rate", unit: "", value: "70" }))).toEqual([
      "Heart rate is recorded in beats/min. Choose the observation again.",
    ]);
    expect(await recordCount()).toBe(before);
  });

  it("refuses a note dated in the future and a note over the length limit, and writes nothing", async () => {
    const before = await recordCount();
    expect(await refusal({ kind: "note", date: "2030-01-01", title: "Follow-up", text: "Doing well." })).toEqual([
      "This date is in the future. Enter the date it happened.",
    ]);
    expect(await refusal({ kind: "encounter", date: "2030-01-01", type: "Visit", reason: "Check-up" })).toEqual([
      "This date is in the future. Enter the date it happened.",
    ]);
    const messages = await refusal({ kind: "note", date: "2026-01-10", title: "", text: "x".repeat(12_800) });
    expect(messages.sort()).toEqual(["Keep this under 10,000 characters.", "Please fill this in."]);
    for (const m of messages) expect(m).not.toMatch(developerText);
    expect(await recordCount()).toBe(before);
  });

  it("refuses an amendment that breaks the same rules, and keeps the entry as it was", async () => {
    const content = { kind: "observation" as const, date: "2026-01-10", code: "8867-4" as const, display: "Heart rate", unit: "/min", value: 72 };
    const entryId = await addRecord(actorOf(clinician), { patientId: patient.patientId!, content });
    const amend = amendRecord(actorOf(clinician), { patientId: patient.patientId!, entryId, content: { ...content, value: 900 }, amendReason: "Corrected after review" });
    await expect(amend).rejects.toThrow(/between 20 and 250/);
    const chart = await getChart(actorOf(clinician), patient.patientId!);
    const entry = chart.entries.find((e) => e.entryId === entryId)!;
    expect(entry.version).toBe(1);
    expect(entry.content).toMatchObject({ value: 72 });
  });

  it("accepts a plausible observation from the list, dated today", async () => {
    const before = await recordCount();
    const today = new Date().toISOString().slice(0, 10);
    await addRecord(actorOf(clinician), {
      patientId: patient.patientId!,
      content: { kind: "observation", date: today, code: "8480-6", display: "Systolic blood pressure", unit: "mm[Hg]", value: 128 },
    });
    expect(await recordCount()).toBe(before + 1);
  });
});
