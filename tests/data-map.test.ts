import { describe, expect, it } from "vitest";
import { AccessDenied } from "@/lib/access/errors";
import { annotatedColumns, dataMapRows } from "@/lib/compliance/data-map-rows";
import { quoteIdent } from "@/lib/db/urls";
import { addRecord } from "@/lib/services/chart";
import { readDataMap } from "@/lib/services/data-map";
import { dataMap, dataMapSchema } from "@/prisma/data-map";
import { adminQuery } from "./helpers/db";
import { actorOf, identity, makeCareTeam, makeUser } from "./helpers/fixtures";

interface DbColumn {
  table_name: string;
  column_name: string;
  data_type: string;
}

async function databaseColumns(): Promise<DbColumn[]> {
  return adminQuery<DbColumn>(
    `SELECT table_name, column_name, data_type FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name IN (SELECT tablename FROM pg_tables WHERE schemaname = 'public')`,
  );
}

const isCiphertextName = (column: string) => column.endsWith("_enc") || column === "dek_wrapped";
// lib/crypto/field.ts (v1.<keyRef>.<iv>.<body>) and lib/crypto/envelope.ts (k<version>.<iv>.<body>), base64url.
const CIPHERTEXT = /^(v1\.[a-z0-9]+|k\d+)(\.[A-Za-z0-9_-]+){2}$/;

describe("records of processing (prisma/data-map.ts) against the migrated database", () => {
  it("annotates every column of every table, and nothing that no longer exists", async () => {
    const inDatabase = new Set((await databaseColumns()).map((c) => `${c.table_name}.${c.column_name}`));
    const annotated = new Set(annotatedColumns());
    const missing = [...inDatabase].filter((c) => !annotated.has(c)).sort();
    const stale = [...annotated].filter((c) => !inDatabase.has(c)).sort();
    // The message names each table.column, so whoever adds a migration knows exactly what to annotate.
    expect(missing, `columns without an annotation in prisma/data-map.ts: ${missing.join(", ")}`).toEqual([]);
    expect(stale, `annotations in prisma/data-map.ts for columns the database no longer has: ${stale.join(", ")}`).toEqual([]);
  });

  it("calls a column encrypted exactly when it holds ciphertext, and finds only ciphertext in it", async () => {
    const clinician = await makeUser("clinician");
    const patient = await makeUser("patient", {
      patient: identity({ ssn: "123-45-6789", address: "1 Main Street", phone: "+3215550100", email: "pat@example.test" }),
    });
    await makeCareTeam([clinician.id], [patient.patientId!]);
    await addRecord(actorOf(clinician), { patientId: patient.patientId!, content: { kind: "note", date: "2026-04-01", title: "Visit", text: "Cough" } });

    const columns = await databaseColumns();
    const wrong: string[] = [];
    let valuesChecked = 0;
    for (const c of columns) {
      const annotation = dataMap[c.table_name]?.columns[c.column_name];
      if (!annotation) continue; // reported by the test above
      const name = `${c.table_name}.${c.column_name}`;
      if (annotation.encrypted !== isCiphertextName(c.column_name)) wrong.push(`${name}: annotated encrypted=${annotation.encrypted}`);
      if (!annotation.encrypted) continue;
      if (c.data_type !== "text" && c.data_type !== "bytea") wrong.push(`${name}: type ${c.data_type} cannot hold ciphertext`);
      const values = await adminQuery<{ v: string }>(
        `SELECT ${quoteIdent(c.column_name)}::text AS v FROM ${quoteIdent(c.table_name)} WHERE ${quoteIdent(c.column_name)} IS NOT NULL`,
      );
      for (const { v } of values) {
        valuesChecked += 1;
        if (!CIPHERTEXT.test(v)) wrong.push(`${name}: holds a value that is not ciphertext`);
      }
    }
    expect(wrong).toEqual([]);
    // The fixtures filled the identity, the account and a record: the check above looked at real values.
    expect(valuesChecked).toBeGreaterThanOrEqual(15);
  });

  it("refuses an annotation without a category, purpose or legal basis", () => {
    const broken = { app_user: { ...dataMap.app_user, legalBasis: "because", columns: { id: { encrypted: false } } } };
    const result = dataMapSchema.safeParse(broken);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join("."))).toEqual(expect.arrayContaining(["app_user.legalBasis", "app_user.columns.id.category"]));
  });
});

describe("reading the data map", () => {
  it("gives administrators and auditors every column with its table's purpose, and records the reading", async () => {
    const admin = await makeUser("admin");
    const auditor = await makeUser("auditor");
    const rows = await readDataMap(actorOf(admin));
    expect(rows).toEqual(dataMapRows());
    expect(rows.find((r) => r.table === "patient_identity" && r.column === "ssn_enc")).toMatchObject({ encrypted: true, category: expect.stringMatching(/identifier/i) });
    await readDataMap(actorOf(auditor), { export: "csv" });
    const events = await adminQuery<{ actor_id: string; action: string; details: Record<string, unknown> }>(
      "SELECT actor_id::text, action, details FROM audit_event WHERE action LIKE 'data_map.%' ORDER BY seq",
    );
    expect(events).toEqual([
      { actor_id: admin.id, action: "data_map.view", details: { columns: rows.length } },
      { actor_id: auditor.id, action: "data_map.export", details: { format: "csv", columns: rows.length } },
    ]);
  });

  it("refuses clinicians and patients, and records the refusal", async () => {
    for (const role of ["clinician", "patient"] as const) {
      const user = await makeUser(role);
      await expect(readDataMap(actorOf(user))).rejects.toBeInstanceOf(AccessDenied);
      const denied = await adminQuery<{ details: Record<string, unknown> }>(
        "SELECT details FROM audit_event WHERE action = 'access.denied' AND outcome = 'denied' AND actor_id = $1",
        [user.id],
      );
      expect(denied).toEqual([{ details: { permission: "dataMap.read" } }]);
    }
  });
});
