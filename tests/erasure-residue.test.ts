import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate } from "otplib";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { noRequest } from "@/lib/access/actor";
import { recordDenial } from "@/lib/access/authorize";
import { NotFound } from "@/lib/access/errors";
import { clearDataKeyCache, unwrapDataKey } from "@/lib/crypto/envelope";
import { decryptField } from "@/lib/crypto/field";
import { keyProvider } from "@/lib/crypto/keys";
import { pseudonym } from "@/lib/crypto/pseudonym";
import { migrate } from "@/lib/db/migrate";
import { breakGlass } from "@/lib/services/break-glass";
import { listBreakGlassUses, reviewBreakGlass } from "@/lib/services/break-glass-review";
import { addRecord, getChart } from "@/lib/services/chart";
import { submitRequest } from "@/lib/services/data-requests";
import { processDueErasures, purgeExpiredRetention } from "@/lib/services/erasure";
import { openExport } from "@/lib/services/export";
import { myRecord } from "@/lib/services/my-record";
import { listMyPatients, searchPatients } from "@/lib/services/patient-search";
import { decideRequest, extendRequest } from "@/lib/services/request-decisions";
import { adminQuery, freshEmptyDatabase, sqlDump, withAdminClient } from "./helpers/db";
import { asRuntimeRole } from "./helpers/runtime-role";
import { actorOf, confirmedErasure, identity, makeCareTeam, makeStaff, makeUser, type TestUser } from "./helpers/fixtures";

vi.hoisted(() => {
  process.env.CUSTODIA_ERASURE_LEDGER = `${process.env.TMPDIR ?? "/tmp"}/custodia-residue-ledger-${process.pid}-${Date.now()}.jsonl`;
});

const LATER = () => new Date(Date.now() + 31 * 86_400_000);
const AFTER_RETENTION = () => new Date(Date.now() + 200 * 365 * 86_400_000);

let admin: TestUser;
let auditor: TestUser;
let clinician: TestUser;

beforeAll(async () => {
  ({ admin, auditor, clinician } = await makeStaff());
});

async function patientInCare(mrn: string): Promise<TestUser> {
  const p = await makeUser("patient", { patient: identity({ mrn }) });
  await makeCareTeam([clinician.id], [p.patientId!]);
  await addRecord(actorOf(clinician), { patientId: p.patientId!, content: { kind: "note", date: "2026-03-01", title: "Visit", text: "Seen" } });
  return p;
}

/** A clinician outside the care team opens the chart by break-glass, and an auditor reviews the use. */
async function reviewedBreakGlass(mrn: string, reason: string, comment: string): Promise<string> {
  const outsider = await makeUser("clinician");
  await breakGlass(actorOf(outsider), { mrn, reason, code: await generate({ secret: outsider.totpSecret! }) });
  const use = (await listBreakGlassUses(actorOf(auditor))).find((u) => u.reason === reason)!;
  await reviewBreakGlass(actorOf(auditor), { grantId: use.grantId, decision: "approved", comment });
  return use.grantId;
}

/**
 * Every plaintext that any ciphertext in the database opens to, with every key the attacker-with-the-keys
 * holds: the system key, every patient's current data key, and the keys passed in (an erased patient's old
 * one). Each ciphertext is tried against every id in its row, since the AAD binds it to one of them.
 */
async function everythingDecryptable(extraKeys: Buffer[]): Promise<string[]> {
  clearDataKeyCache();
  const patients = await adminQuery<{ id: string; dek_wrapped: string }>("SELECT patient_id AS id, dek_wrapped FROM patient_key");
  const keys = [keyProvider().secret("system"), ...patients.map((p) => unwrapDataKey(p.id, p.dek_wrapped)), ...extraKeys];
  const columns = await adminQuery<{ table_name: string; column_name: string }>(
    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name LIKE '%\\_enc'",
  );
  const opened: string[] = [];
  for (const { table_name: table, column_name: column } of columns) {
    const rows = await adminQuery<{ row: Record<string, unknown> }>(`SELECT row_to_json(t) AS row FROM "${table}" t WHERE "${column}" IS NOT NULL`);
    for (const { row } of rows) {
      const ids = Object.values(row).filter((v): v is string => typeof v === "string" && /^[0-9a-f-]{36}$/.test(v));
      for (const key of keys) {
        for (const rowId of ids) {
          try {
            opened.push(decryptField(key, row[column] as string, { table, column, rowId }));
          } catch {
            // not this key or not this row id
          }
        }
      }
    }
  }
  return opened;
}

/** Tables whose rows mention the value, other than those listed. */
async function tablesMentioning(value: string, except: string[]): Promise<string[]> {
  const tables = await adminQuery<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
  );
  const found: string[] = [];
  for (const { table_name } of tables) {
    if (except.includes(table_name)) continue;
    const [hit] = await adminQuery(`SELECT 1 FROM "${table_name}" t WHERE row_to_json(t)::text ILIKE $1 LIMIT 1`, [`%${value}%`]);
    if (hit) found.push(table_name);
  }
  return found;
}

describe("audit events name patients by pseudonym only", () => {
  it("no audit row carries a raw patient id, in resource_id or anywhere else, while the events stay attributable", async () => {
    const p = await patientInCare("RESID-100");
    await getChart(actorOf(clinician), p.patientId!);
    await listMyPatients(actorOf(clinician));
    await searchPatients(actorOf(clinician), { by: "mrn", mrn: "RESID-100" });
    await myRecord(actorOf(p));
    await openExport(actorOf(p), "json");
    await reviewedBreakGlass("RESID-100", "Unconscious on arrival, needs history", "Justified by the ED note");
    await submitRequest(actorOf(p), { kind: "restriction", reason: "Accuracy contested" });
    // A patient trying a clinician URL: the denied path names another patient's id.
    const entryId = crypto.randomUUID();
    await recordDenial(actorOf(p), "area.clinician", { path: `/clinician/patients/${p.patientId}/entries/${entryId}/amend` });

    const events = await adminQuery<{ action: string; row: string }>(
      "SELECT action, row_to_json(a)::text AS row FROM audit_event a WHERE patient_pseudonym = $1 ORDER BY seq",
      [pseudonym(p.patientId!)],
    );
    for (const action of ["patient.create", "chart.read", "patient.list", "patient.search", "self.record.read", "self.export", "break_glass.grant", "access.denied"]) {
      expect(events.map((e) => e.action), action).toContain(action);
    }
    expect(await adminQuery("SELECT seq, action FROM audit_event a WHERE row_to_json(a)::text ILIKE $1", [`%${p.patientId}%`])).toEqual([]);
    expect(await adminQuery("SELECT seq, action FROM audit_event WHERE resource_id IN (SELECT id::text FROM patient)")).toEqual([]);
    const [denial] = await adminQuery<{ details: { path: string } }>(
      "SELECT details FROM audit_event WHERE action = 'access.denied' AND actor_id = $1 AND patient_pseudonym = $2",
      [p.id, pseudonym(p.patientId!)],
    );
    expect(denial!.details.path).toBe("/clinician/patients/:id/entries/:id/amend");
  });
});

describe("erasure leaves no residue", () => {
  const markers = { erasure: "Qresidue-erasure-reason", decision: "Qresidue-decision", extension: "Qresidue-extension-reason", breakGlass: "Qresidue-breakglass-reason", review: "Qresidue-review-comment" };

  it("clears the request's reasons, the break-glass reason and its review; the patient id survives only with the retained records", async () => {
    const p = await patientInCare("RESID-200");
    const grantId = await reviewedBreakGlass("RESID-200", markers.breakGlass, markers.review);
    const requestId = await submitRequest(actorOf(p), { ...confirmedErasure, reason: markers.erasure });
    await extendRequest(actorOf(admin), { requestId, reason: markers.extension });
    await decideRequest(actorOf(admin), { requestId, decision: "approve", reason: markers.decision });
    // Before: the auditor reads the reason, and the free text opens with the keys (the test can see it).
    expect((await listBreakGlassUses(actorOf(auditor))).find((u) => u.grantId === grantId)!.reason).toBe(markers.breakGlass);
    const [{ dek_wrapped: oldDek }] = (await adminQuery<{ dek_wrapped: string }>("SELECT dek_wrapped FROM patient_key WHERE patient_id = $1", [p.patientId])) as [{ dek_wrapped: string }];
    const oldKey = unwrapDataKey(p.patientId!, oldDek);
    const before = (await everythingDecryptable([oldKey])).join("\n");
    for (const marker of Object.values(markers)) expect(before).toContain(marker);

    expect(await processDueErasures(noRequest, LATER())).toBe(1);

    const dump = (await sqlDump()).toLowerCase();
    const after = (await everythingDecryptable([oldKey])).join("\n").toLowerCase();
    for (const [name, marker] of Object.entries(markers)) {
      expect(dump, name).not.toContain(marker.toLowerCase());
      expect(after, name).not.toContain(marker.toLowerCase());
    }
    // What accountability needs stays: who used break-glass when, the review's decision, the request's kind,
    // dates and status, all under the pseudonym.
    const use = (await listBreakGlassUses(actorOf(auditor))).find((u) => u.grantId === grantId)!;
    expect(use).toMatchObject({ patientPseudonym: pseudonym(p.patientId!), reason: null, review: { decision: "approved", comment: null } });
    const [request] = await adminQuery("SELECT kind, status, patient_id, patient_pseudonym FROM data_request WHERE id = $1", [requestId]);
    expect(request).toEqual({ kind: "erasure", status: "completed", patient_id: null, patient_pseudonym: pseudonym(p.patientId!) });
    // The id remains only where the retained records hang off it (restricted, purged with them), and on their retention key.
    expect(await tablesMentioning(p.patientId!, ["patient", "patient_key", "clinical_record", "patient_restriction", "break_glass_grant"])).toEqual([]);
  });

  it("erasing a patient whose break-glass use was reviewed can be purged when retention ends", async () => {
    const p = await patientInCare("RESID-300");
    const grantId = await reviewedBreakGlass("RESID-300", "Collapsed in the waiting room", "Justified, see triage note");
    await submitRequest(actorOf(p), { ...confirmedErasure });
    await processDueErasures(noRequest, LATER());
    // Everyone under retention is due 200 years on, this patient among them; the purge names exactly them.
    const retained = await adminQuery<{ patient_id: string }>("SELECT patient_id::text FROM patient_restriction WHERE reason = 'retention'");
    const due = retained.map((r) => pseudonym(r.patient_id)).sort();
    expect(due).toContain(pseudonym(p.patientId!));
    const [{ seq: since }] = (await adminQuery<{ seq: string }>("SELECT coalesce(max(seq), 0)::text AS seq FROM audit_event")) as [{ seq: string }];
    expect(await purgeExpiredRetention(noRequest, AFTER_RETENTION())).toEqual({ purged: due.length, failed: [] });
    const named = await adminQuery<{ patient_pseudonym: string }>(
      "SELECT patient_pseudonym FROM audit_event WHERE action = 'retention.purge' AND outcome = 'allowed' AND seq > $1 ORDER BY patient_pseudonym",
      [since],
    );
    expect(named.map((e) => e.patient_pseudonym)).toEqual(due);
    expect(await adminQuery("SELECT 1 FROM patient WHERE id = $1", [p.patientId])).toEqual([]);
    expect(await adminQuery("SELECT 1 FROM break_glass_review WHERE grant_id = $1", [grantId])).toEqual([]);
    expect(await tablesMentioning(p.patientId!, [])).toEqual([]);
    const purged = await adminQuery("SELECT 1 FROM audit_event WHERE action = 'retention.purge' AND patient_pseudonym = $1", [pseudonym(p.patientId!)]);
    expect(purged).toHaveLength(1);
  });
});

describe("erased patients' retained records under the second wall", () => {
  it("retained records are invisible to a clinician whose break-glass grant outlives the erasure", async () => {
    const p = await patientInCare("RESID-400");
    const outsider = await makeUser("clinician");
    await breakGlass(actorOf(outsider), { mrn: "RESID-400", reason: "Unconscious on arrival", code: await generate({ secret: outsider.totpSecret! }) });
    const asOutsider = { role: "clinician", actorId: outsider.id };
    const visible = async () => {
      const [records] = await asRuntimeRole<{ n: number }>("SELECT count(*)::int AS n FROM clinical_record WHERE patient_id = $1", [p.patientId], asOutsider);
      const [keys] = await asRuntimeRole<{ n: number }>("SELECT count(*)::int AS n FROM patient_key WHERE patient_id = $1", [p.patientId], asOutsider);
      return [records!.n, keys!.n];
    };
    // The grant works: before the erasure the outsider sees the record and the key.
    expect(await visible()).toEqual([1, 1]);
    await submitRequest(actorOf(p), { ...confirmedErasure });
    expect(await processDueErasures(noRequest, LATER())).toBe(1);
    expect(await adminQuery("SELECT 1 FROM break_glass_grant WHERE patient_id = $1 AND expires_at > now()", [p.patientId])).toHaveLength(1);
    expect(await adminQuery("SELECT 1 FROM clinical_record WHERE patient_id = $1", [p.patientId])).toHaveLength(1);
    expect(await visible()).toEqual([0, 0]);
    await expect(getChart(actorOf(outsider), p.patientId!)).rejects.toBeInstanceOf(NotFound);
  });
});

describe("migration 0011 for patients erased before it", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("clears the residue that earlier erasures left, and leaves everyone else's alone", async () => {
    const all = readdirSync("prisma/migrations").filter((name) => /^\d{4}_/.test(name)).sort();
    const dir = mkdtempSync(join(tmpdir(), "custodia-residue-migrations-"));
    dirs.push(dir);
    const copy = (names: string[]) => names.forEach((n) => cpSync(join("prisma/migrations", n), join(dir, n), { recursive: true }));
    copy(all.filter((n) => n < "0011"));
    const db = await freshEmptyDatabase();
    try {
      await migrate(db.url, { dir });
      // The state the old code left after erasing patient E (while patient K was never erased).
      const [e, k, clin, aud, eRequest, kRequest] = ["e1", "e2", "c1", "c2", "d1", "d2"].map((n) => `00000000-0000-4000-8000-0000000000${n}`) as [string, string, string, string, string, string];
      await withAdminClient(async (c) => {
        await c.query("INSERT INTO app_user (id, role, email_bidx, email_enc, display_name_enc, password_hash) VALUES ($1, 'clinician', 'b1', 'e', 'n', 'h'), ($2, 'auditor', 'b2', 'e', 'n', 'h')", [clin, aud]);
        for (const patient of [e, k]) {
          await c.query("INSERT INTO patient (id, dek_wrapped, kek_version) VALUES ($1, 'x', 1)", [patient]);
          const grant = crypto.randomUUID();
          await c.query("INSERT INTO break_glass_grant (id, clinician_id, patient_id, reason_enc, expires_at) VALUES ($1, $2, $3, 'old-reason', now() + interval '1 hour')", [grant, clin, patient]);
          await c.query("INSERT INTO break_glass_review (grant_id, reviewer_id, decision, comment_enc) VALUES ($1, $2, 'approved', 'old-comment')", [grant, aud]);
          await c.query(
            `INSERT INTO data_request (id, patient_id, patient_pseudonym, kind, status, details_enc, gdpr_due_at, hipaa_due_at, decision_reason_enc)
             VALUES ($1, $2, 'psn', 'erasure', $3, 'old-details', now(), now(), 'old-decision')`,
            patient === e ? [eRequest, e, "completed"] : [kRequest, k, "scheduled"],
          );
        }
        await c.query("INSERT INTO patient_restriction (patient_id, reason, retain_until) VALUES ($1, 'retention', now())", [e]);
        await c.query("INSERT INTO erasure_ledger (patient_pseudonym, request_id, erased, retained) VALUES ('psn_e', $1, '[]', '[]')", [eRequest]);
      }, db.url);
      copy(all.filter((n) => n >= "0011"));
      await migrate(db.url, { dir });
      const rows = (text: string) => withAdminClient(async (c) => (await c.query(text)).rows, db.url);
      expect(await rows("SELECT patient_id::text AS p, reason_enc FROM break_glass_grant ORDER BY 1")).toEqual([
        { p: e, reason_enc: null },
        { p: k, reason_enc: "old-reason" },
      ]);
      expect(await rows("SELECT g.patient_id::text AS p, r.comment_enc FROM break_glass_review r JOIN break_glass_grant g ON g.id = r.grant_id ORDER BY 1")).toEqual([
        { p: e, comment_enc: null },
        { p: k, comment_enc: "old-comment" },
      ]);
      expect(await rows("SELECT id::text, patient_id::text AS p, details_enc, decision_reason_enc FROM data_request ORDER BY 1")).toEqual([
        { id: eRequest, p: null, details_enc: null, decision_reason_enc: null },
        { id: kRequest, p: k, details_enc: "old-details", decision_reason_enc: "old-decision" },
      ]);
    } finally {
      await db.drop();
    }
  });
});
