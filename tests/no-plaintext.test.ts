import { execFileSync } from "node:child_process";
import { generate } from "otplib";
import { describe, expect, it } from "vitest";
import { breakGlass } from "@/lib/services/break-glass";
import { addRecord } from "@/lib/services/chart";
import { isEmbedded, sqlDump, testDatabaseUrl } from "./helpers/db";

import { actorOf, makeCareTeam, makeUser } from "./helpers/fixtures";

const markers = {
  givenName: "Qmarkgiven",
  familyName: "Qmarkfamily",
  address: "Qmarkaddress Street 9",
  phone: "555-0199-7731",
  email: "qmarkemail@example.test",
  ssn: "987-65-4329",
  mrn: "QMRN-77331",
  birthDate: "1933-03-17",
  note: "Qmarknote diagnosis text",
  reason: "Qmarkreason emergency justification text",
};

describe("no plaintext at rest", () => {
  it("a dump of the database contains none of the personal values written through the app", async () => {
    const patient = await makeUser("patient", {
      patient: {
        givenName: markers.givenName,
        familyName: markers.familyName,
        birthDate: markers.birthDate,
        sex: "other",
        ssn: markers.ssn,
        mrn: markers.mrn,
        address: markers.address,
        phone: markers.phone,
        email: markers.email,
      },
    });
    const clinician = await makeUser("clinician");
    const outsider = await makeUser("clinician");
    await makeCareTeam([clinician.id], [patient.patientId!]);
    await addRecord(actorOf(clinician), {
      patientId: patient.patientId!,
      content: { kind: "note", date: "2026-05-05", title: "Qmarktitle", text: markers.note },
    });
    await breakGlass(actorOf(outsider), { mrn: markers.mrn, reason: markers.reason, code: await generate({ secret: outsider.totpSecret! }) });

    const pgDump = isEmbedded() ? "" : execFileSync("pg_dump", ["--no-owner", "--data-only", testDatabaseUrl()], { maxBuffer: 256 * 1024 * 1024 }).toString();
    const dump = `${pgDump}\n${await sqlDump()}`;
    expect(dump.length).toBeGreaterThan(1000);
    for (const [field, value] of Object.entries(markers)) {
      expect(dump.toLowerCase(), field).not.toContain(value.toLowerCase());
    }
    expect(dump).not.toContain("987654329");
    expect(dump).not.toContain(patient.email);
  });
});
