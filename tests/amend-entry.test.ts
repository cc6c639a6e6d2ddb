import { describe, expect, it } from "vitest";
import { NotFound } from "@/lib/access/errors";
import { addRecord, amendRecord, getEntryToAmend } from "@/lib/services/chart";
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
    await amendRecord(actor, { patientId, entryId: entries[2]!, content: { kind: "note", date: "2026-03-03", title: "Note 2", text: "Amended" } });
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
