import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { blindIndex } from "@/lib/crypto/blind-index";
import { migrate } from "@/lib/db/migrate";
import { searchPatients } from "@/lib/services/patient-search";
import { adminQuery, freshEmptyDatabase, withAdminClient } from "./helpers/db";
import { actorOf, identity, makeCareTeam, makeUser } from "./helpers/fixtures";

const BLIND_INDEX_COLUMNS = [
  ["patient_identity", "ssn_bidx"],
  ["patient_identity", "mrn_bidx"],
  ["patient_identity", "email_bidx"],
  ["patient_identity", "name_dob_bidx"],
  ["app_user", "email_bidx"],
];

describe("blind indexes stored as bytea (migration 0034)", () => {
  it("stores each blind index as its 32 HMAC bytes, and exact search by MRN, SSN and name + birth date still finds the patient", async () => {
    const types = await adminQuery<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT table_name, column_name, data_type FROM information_schema.columns
       WHERE table_schema = 'public' AND column_name LIKE '%\\_bidx'`,
    );
    expect(types.map((t) => [t.table_name, t.column_name]).sort()).toEqual([...BLIND_INDEX_COLUMNS].sort());
    for (const t of types) expect(t.data_type, `${t.table_name}.${t.column_name}`).toBe("bytea");

    const clinician = await makeUser("clinician");
    const who = identity({ mrn: "MRN-770011", ssn: "123-45-6789", givenName: "Zoë", familyName: "Okafor", birthDate: "1975-03-14" });
    const patient = await makeUser("patient", { patient: who });
    await makeCareTeam([clinician.id], [patient.patientId!]);
    const [stored] = await adminQuery<{ mrn_bidx: Buffer; ssn_bidx: Buffer }>(
      "SELECT mrn_bidx, ssn_bidx FROM patient_identity WHERE patient_id = $1",
      [patient.patientId],
    );
    expect(stored!.mrn_bidx).toHaveLength(32);
    expect(stored!.mrn_bidx.equals(Buffer.from(blindIndex("mrn", "MRN-770011")))).toBe(true);
    expect(stored!.ssn_bidx.equals(Buffer.from(blindIndex("ssn", "123456789")))).toBe(true);

    const actor = actorOf(clinician);
    const found = async (input: Parameters<typeof searchPatients>[1]) => (await searchPatients(actor, input)).map((p) => p.patientId);
    expect(await found({ by: "mrn", mrn: "770011" })).toEqual([patient.patientId]);
    expect(await found({ by: "ssn", ssn: "123456789" })).toEqual([patient.patientId]);
    expect(await found({ by: "nameDob", givenName: "zoe", familyName: "OKAFOR", birthDate: "1975-03-14" })).toEqual([patient.patientId]);
    expect(await found({ by: "mrn", mrn: "770012" })).toEqual([]);
  });

  it("converts the hex text of rows written before 0034 into the same bytes", async () => {
    const db = await freshEmptyDatabase();
    const before = mkdtempSync(join(tmpdir(), "custodia-migrations-"));
    try {
      cpSync("prisma/migrations", before, { recursive: true, filter: (path) => !path.includes("0034_blind_index_bytea") });
      await migrate(db.url, { dir: before, log: () => undefined });
      const hex = (n: number) => n.toString(16).padStart(2, "0").repeat(32);
      const patientId = "5b0c6a8e-2f3d-4c1b-9e7a-0d1e2f3a4b5c";
      await withAdminClient(async (c) => {
        await c.query("INSERT INTO patient (id) VALUES ($1)", [patientId]);
        await c.query(
          `INSERT INTO patient_identity (patient_id, given_name_enc, family_name_enc, birth_date_enc, sex_enc, mrn_enc,
             ssn_bidx, mrn_bidx, email_bidx, name_dob_bidx) VALUES ($1, 'g', 'f', 'b', 's', 'm', $2, $3, NULL, $4)`,
          [patientId, hex(1), hex(2), hex(3)],
        );
        await c.query(
          "INSERT INTO app_user (role, email_bidx, email_enc, display_name_enc, password_hash) VALUES ('admin', $1, 'e', 'n', 'h')",
          [hex(4)],
        );
      }, db.url);

      await migrate(db.url, { log: () => undefined });
      const [row] = await withAdminClient(
        async (c) =>
          (await c.query(`SELECT i.ssn_bidx, i.mrn_bidx, i.email_bidx, i.name_dob_bidx, u.email_bidx AS user_email_bidx
                          FROM patient_identity i, app_user u`)).rows,
        db.url,
      );
      expect(row).toEqual({
        ssn_bidx: Buffer.from(hex(1), "hex"),
        mrn_bidx: Buffer.from(hex(2), "hex"),
        email_bidx: null,
        name_dob_bidx: Buffer.from(hex(3), "hex"),
        user_email_bidx: Buffer.from(hex(4), "hex"),
      });
    } finally {
      rmSync(before, { recursive: true, force: true });
      await db.drop();
    }
  });
});
