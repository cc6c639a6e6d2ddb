import { describe, expect, it } from "vitest";
import { TooManyRequests } from "@/lib/access/errors";
import { pseudonym } from "@/lib/crypto/pseudonym";
import { addRecord, getChart, getEntryToAmend } from "@/lib/services/chart";
import { adminQuery } from "./helpers/db";
import { actorOf, makeCareTeam, makeUser } from "./helpers/fixtures";

describe("bulk-access guard", () => {
  it("refuses the next new patient past the limit with 429 semantics, raises one alert, and logs each refusal", async () => {
    process.env.BULK_ACCESS_MAX_PATIENTS = "5";
    const clinician = await makeUser("clinician");
    const patients = [];
    for (let i = 0; i < 7; i++) patients.push(await makeUser("patient"));
    await makeCareTeam([clinician.id], patients.map((p) => p.patientId!));
    const actor = actorOf(clinician);
    for (const p of patients.slice(0, 5)) await getChart(actor, p.patientId!);
    // Re-opening a chart already counted is not "more patients".
    await getChart(actor, patients[0]!.patientId!);
    await expect(getChart(actor, patients[5]!.patientId!)).rejects.toBeInstanceOf(TooManyRequests);
    await expect(getChart(actor, patients[6]!.patientId!)).rejects.toBeInstanceOf(TooManyRequests);
    const alerts = await adminQuery("SELECT * FROM alert WHERE kind = 'bulk_access' AND actor_id = $1", [clinician.id]);
    expect(alerts).toHaveLength(1);
    const refused = await adminQuery("SELECT * FROM audit_event WHERE action = 'access.bulk_refused' AND actor_id = $1", [clinician.id]);
    expect(refused).toHaveLength(2);
    delete process.env.BULK_ACCESS_MAX_PATIENTS;
  });

  it("holds the limit when a scraper opens 15 new charts in parallel: 5 open, 10 refused, one alert", async () => {
    process.env.BULK_ACCESS_MAX_PATIENTS = "5";
    try {
      const clinician = await makeUser("clinician");
      const patients = [];
      for (let i = 0; i < 15; i++) patients.push(await makeUser("patient"));
      await makeCareTeam([clinician.id], patients.map((p) => p.patientId!));
      const results = await Promise.allSettled(patients.map((p) => getChart(actorOf(clinician), p.patientId!)));
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(5);
      for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(TooManyRequests);
      expect(await adminQuery("SELECT 1 FROM alert WHERE kind = 'bulk_access' AND actor_id = $1", [clinician.id])).toHaveLength(1);
      expect(await adminQuery("SELECT 1 FROM audit_event WHERE action = 'access.bulk_refused' AND actor_id = $1", [clinician.id])).toHaveLength(10);
    } finally {
      delete process.env.BULK_ACCESS_MAX_PATIENTS;
    }
  });

  it("the limit also holds on the amend page and on writes", async () => {
    process.env.BULK_ACCESS_MAX_PATIENTS = "2";
    try {
      const clinician = await makeUser("clinician");
      const colleague = await makeUser("clinician");
      const [first, second, third] = [await makeUser("patient"), await makeUser("patient"), await makeUser("patient")];
      await makeCareTeam([clinician.id, colleague.id], [first!.patientId!, second!.patientId!, third!.patientId!]);
      const note = { kind: "note", date: "2026-03-01", title: "Seen", text: "Seen in clinic" } as const;
      const entryId = await addRecord(actorOf(colleague), { patientId: third!.patientId!, content: note });
      const records = () => adminQuery("SELECT id FROM clinical_record WHERE patient_id = $1", [third!.patientId]);
      const before = await records();
      const actor = actorOf(clinician);
      await getChart(actor, first!.patientId!);
      await getChart(actor, second!.patientId!);
      await expect(getEntryToAmend(actor, third!.patientId!, entryId)).rejects.toBeInstanceOf(TooManyRequests);
      await expect(addRecord(actor, { patientId: third!.patientId!, content: note })).rejects.toBeInstanceOf(TooManyRequests);
      expect(await records()).toEqual(before);
      const refused = await adminQuery<{ patient_pseudonym: string }>("SELECT patient_pseudonym FROM audit_event WHERE action = 'access.bulk_refused' AND actor_id = $1", [clinician.id]);
      expect(refused.map((r) => r.patient_pseudonym)).toEqual([pseudonym(third!.patientId!), pseudonym(third!.patientId!)]);
    } finally {
      delete process.env.BULK_ACCESS_MAX_PATIENTS;
    }
  });
});
