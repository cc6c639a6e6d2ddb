import { describe, expect, it } from "vitest";
import { NotFound } from "@/lib/access/errors";
import { addRecord, amendRecord, getChart, getEntryToAmend } from "@/lib/services/chart";
import { adminQuery } from "./helpers/db";
import { actorOf, makeCareTeam, makeUser } from "./helpers/fixtures";

async function lastSeq(): Promise<number> {
  return Number((await adminQuery<{ s: string | null }>("SELECT max(seq)::text AS s FROM audit_event"))[0]!.s ?? 0);
}

const eventsOf = (actorId: string, since: number) =>
  adminQuery<{ action: string; outcome: string; resource_id: string | null; details: Record<string, unknown> }>(
    "SELECT action, outcome, resource_id, details FROM audit_event WHERE actor_id = $1 AND seq > $2 ORDER BY seq",
    [actorId, since],
  );

describe("the amend page's read", () => {
  it("reads and audits the one entry being amended, not the whole chart", async () => {
    const clinician = await makeUser("clinician");
    const patient = await makeUser("patient");
    await makeCareTeam([clinician.id], [patient.patientId!]);
    const actor = actorOf(clinician);
    const patientId = patient.patientId!;
    const entries = [];
    for (let i = 0; i < 5; i++) {
      entries.push(await addRecord(actor, { patientId, content: { kind: "note", date: `2026-03-0${i + 1}`, title: `Note ${i}`, text: `Text ${i}` } }));
    }
    await amendRecord(actor, { patientId, entryId: entries[2]!, content: { kind: "note", date: "2026-03-03", title: "Note 2", text: "Amended" }, amendReason: "Corrected after review" });
    const start = await lastSeq();

    const { patientName, entry } = await getEntryToAmend(actor, patientId, entries[2]!);

    expect(patientName).toMatch(/\S+ \S+/);
    expect(entry).toEqual({ entryId: entries[2], version: 2, kind: "note", content: { kind: "note", date: "2026-03-03", title: "Note 2", text: "Amended" } });
    // Exactly one event, naming the entry read; no chart.read for the four entries the page never showed.
    expect(await eventsOf(clinician.id, start)).toEqual([
      { action: "record.read", outcome: "allowed", resource_id: entries[2], details: { version: 2, breakGlass: false } },
    ]);
  });

  it("refuses a clinician outside the care team as not found, and records the attempt", async () => {
    const owner = await makeUser("clinician");
    const outsider = await makeUser("clinician");
    const patient = await makeUser("patient");
    await makeCareTeam([owner.id], [patient.patientId!]);
    const entryId = await addRecord(actorOf(owner), { patientId: patient.patientId!, content: { kind: "note", date: "2026-03-01", title: "t", text: "x" } });
    const start = await lastSeq();

    await expect(getEntryToAmend(actorOf(outsider), patient.patientId!, entryId)).rejects.toBeInstanceOf(NotFound);
    expect((await eventsOf(outsider.id, start)).map((e) => `${e.action}:${e.outcome}`)).toEqual(["access.denied:denied"]);
  });

  it("answers not found for an entry of another patient or a malformed id, and records no read", async () => {
    const clinician = await makeUser("clinician");
    const [mine, other] = [await makeUser("patient"), await makeUser("patient")];
    await makeCareTeam([clinician.id], [mine.patientId!, other.patientId!]);
    const actor = actorOf(clinician);
    const othersEntry = await addRecord(actor, { patientId: other.patientId!, content: { kind: "note", date: "2026-03-01", title: "t", text: "x" } });
    const start = await lastSeq();

    await expect(getEntryToAmend(actor, mine.patientId!, othersEntry)).rejects.toBeInstanceOf(NotFound);
    await expect(getEntryToAmend(actor, mine.patientId!, "not-a-uuid")).rejects.toBeInstanceOf(NotFound);
    expect(await eventsOf(clinician.id, start)).toEqual([]);
  });
});

describe("amendments carry a reason and a change", () => {
  async function setup() {
    const clinician = await makeUser("clinician");
    const patient = await makeUser("patient");
    await makeCareTeam([clinician.id], [patient.patientId!]);
    const content = { kind: "note" as const, date: "2026-03-01", title: "Ward round", text: "Stable" };
    const entryId = await addRecord(actorOf(clinician), { patientId: patient.patientId!, content });
    return { clinician, patientId: patient.patientId!, entryId, content };
  }
  const versions = (entryId: string) => adminQuery("SELECT version FROM clinical_record WHERE entry_id = $1", [entryId]);

  it("refuses an amendment with no reason, with a plain message, and writes no version", async () => {
    const { clinician, patientId, entryId, content } = await setup();
    for (const amendReason of ["", "  ok "]) {
      const result = amendRecord(actorOf(clinician), { patientId, entryId, content: { ...content, text: "Improving" }, amendReason });
      await expect(result).rejects.toMatchObject({ issues: [{ path: ["amendReason"], message: "Say why you are amending this entry (at least 5 characters)." }] });
    }
    expect(await versions(entryId)).toHaveLength(1);
  });

  it("refuses saving with no change, with a plain message, and writes no version", async () => {
    const { clinician, patientId, entryId, content } = await setup();
    const result = amendRecord(actorOf(clinician), { patientId, entryId, content: { ...content, title: "  Ward round " }, amendReason: "Corrected after review" });
    await expect(result).rejects.toMatchObject({ message: "Nothing has changed. Edit the entry before saving, or leave this page." });
    expect(await versions(entryId)).toHaveLength(1);
  });

  it("stores the reason with the new version, encrypted, and the chart's history shows who, when and why", async () => {
    const { clinician, patientId, entryId, content } = await setup();
    await amendRecord(actorOf(clinician), { patientId, entryId, content: { ...content, text: "Improving" }, amendReason: "Wrong patient status recorded" });
    const [stored] = await adminQuery<{ amend_reason_enc: string }>("SELECT amend_reason_enc FROM clinical_record WHERE entry_id = $1 AND version = 2", [entryId]);
    expect(stored!.amend_reason_enc).not.toContain("Wrong patient");
    const chart = await getChart(actorOf(clinician), patientId);
    const entry = chart.entries.find((e) => e.entryId === entryId)!;
    expect(entry).toMatchObject({ version: 2, amendReason: "Wrong patient status recorded", authorId: clinician.id });
    expect(entry.priorVersions).toMatchObject([{ version: 1, amendReason: null, authorId: clinician.id }]);
    expect(Date.parse(entry.recordedAt)).toBeGreaterThanOrEqual(Date.parse(entry.priorVersions[0]!.recordedAt));
    expect(chart.authors[clinician.id]).toBeTruthy();
  });
});
