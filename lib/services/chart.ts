import "server-only";
import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { InvalidInput, NotFound } from "@/lib/access/errors";
import { withActorPg } from "@/lib/db/pg-transaction";
import { withActor, type Tx } from "@/lib/db/transaction";
import { addRecordSchema, amendRecordSchema, type ClinicalContent } from "@/lib/validation/patient";
import { z } from "zod";
import { canonicalJson, type JsonValue } from "@/lib/audit/canonical";
import { staffNamesById } from "./staff-names";
import { admissionColumn, admitPatient, assertPatientId, openPatient } from "./patient-access";
import { writeRecordVersion } from "./record-versions";
import { entriesOf, identityOf, type ClinicalEntry, type PatientIdentity } from "./patient-view";

export interface Chart {
  identity: PatientIdentity;
  entries: ClinicalEntry[];
  /** Set when the clinician sees this chart only through an active break-glass grant. */
  breakGlassUntil: string | null;
  /** Who wrote each version, by author id, for the version history. */
  authors: Record<string, string>;
}

export async function getChart(actor: Actor, patientId: string): Promise<Chart> {
  await authorize(actor, "chart.read", { resourceType: "patient", patientId });
  assertPatientId(patientId);
  const chart = await withActorPg(actor, async (ctx) => {
    const params: unknown[] = [patientId, actor.userId];
    const admission = admissionColumn(actor, patientId, params);
    const [row] = await ctx.query<ChartRow>(chartSql(admission), params);
    const cipher = admitPatient(ctx, actor, patientId, { allowed: row!.allowed, dekWrapped: row!.dek_wrapped });
    if (!row!.identity) throw new NotFound("patient");
    const records = row!.records.map((r) => ({ ...r, createdAt: new Date(r.createdAt) }));
    const breakGlassUntil = row!.break_glass_until?.toISOString() ?? null;
    ctx.audit({
      action: "chart.read",
      resourceType: "patient",
      patientId,
      details: { records: records.length, breakGlass: breakGlassUntil !== null },
    });
    return { identity: identityOf(cipher, row!.identity), entries: entriesOf(cipher, records), breakGlassUntil };
  });
  const authorIds = chart.entries.flatMap((e) => [e.authorId, ...e.priorVersions.map((v) => v.authorId)]).filter((id): id is string => id !== null);
  const authors = authorIds.length === 0 ? new Map<string, string>() : await staffNamesById(actor.request, authorIds);
  return { ...chart, authors: Object.fromEntries(authors) };
}

interface ChartRow {
  allowed: boolean;
  dek_wrapped: string | null;
  identity: Parameters<typeof identityOf>[1] | null;
  records: (Omit<Parameters<typeof entriesOf>[1][number], "createdAt"> & { createdAt: string })[];
  break_glass_until: Date | null;
}

/**
 * The whole chart in one statement after the context: the bulk-access guard ($1 patient, $2 clinician, then
 * the guard's own), the wrapped key, identity, every record version and the break-glass expiry, each read as
 * the runtime role under RLS exactly as the separate queries were. Identity and records come back as JSON
 * with the field names the view functions take.
 */
function chartSql(admission: string): string {
  return `SELECT ${admission} AS allowed,
    (SELECT k.dek_wrapped FROM patient_key k WHERE k.patient_id = $1::uuid) AS dek_wrapped,
    (SELECT json_build_object('patientId', i.patient_id, 'givenNameEnc', i.given_name_enc, 'familyNameEnc', i.family_name_enc,
        'birthDateEnc', i.birth_date_enc, 'sexEnc', i.sex_enc, 'mrnEnc', i.mrn_enc, 'ssnEnc', i.ssn_enc,
        'addressEnc', i.address_enc, 'phoneEnc', i.phone_enc, 'emailEnc', i.email_enc)
     FROM patient_identity i WHERE i.patient_id = $1::uuid) AS identity,
    (SELECT coalesce(json_agg(json_build_object('id', r.id, 'entryId', r.entry_id, 'version', r.version, 'kind', r.kind,
        'contentEnc', r.content_enc, 'amendReasonEnc', r.amend_reason_enc, 'authorId', r.author_id, 'createdAt', r.created_at)), '[]'::json)
     FROM clinical_record r WHERE r.patient_id = $1::uuid) AS records,
    ${breakGlassExpirySql("$1", "$2")} AS break_glass_until`;
}

/** What the amend page shows: one entry's latest version and whose chart it is in. */
export interface EntryToAmend {
  patientName: string;
  entry: Pick<ClinicalEntry, "entryId" | "version" | "kind" | "content">;
}

/**
 * The amend page reads the one entry being amended, not the whole chart, and records exactly that read
 * (one event naming the entry), so the patient's access history does not show a chart opening that never was.
 */
export async function getEntryToAmend(actor: Actor, patientId: string, entryId: string): Promise<EntryToAmend> {
  await authorize(actor, "chart.read", { resourceType: "patient", patientId });
  if (!z.uuid().safeParse(entryId).success) throw new NotFound("record");
  return withActor(actor, async (ctx) => {
    const cipher = await openPatient(ctx, actor, patientId);
    const identity = await ctx.tx.patientIdentity.findUniqueOrThrow({
      where: { patientId },
      select: { givenNameEnc: true, familyNameEnc: true },
    });
    const latest = await ctx.tx.clinicalRecord.findFirst({ where: { entryId, patientId }, orderBy: { version: "desc" } });
    if (!latest) throw new NotFound("record");
    const breakGlassUntil = await breakGlassExpiry(ctx.tx, actor, patientId);
    ctx.audit({
      action: "record.read",
      resourceType: latest.kind,
      resourceId: entryId,
      patientId,
      details: { version: latest.version, breakGlass: breakGlassUntil !== null },
    });
    const content = cipher.openJson<ClinicalContent>("clinical_record", "content_enc", latest.id, latest.contentEnc);
    const name = (column: string, value: string) => cipher.open("patient_identity", column, patientId, value);
    return {
      patientName: `${name("given_name_enc", identity.givenNameEnc)} ${name("family_name_enc", identity.familyNameEnc)}`,
      entry: { entryId, version: latest.version, kind: content.kind, content },
    };
  });
}

async function breakGlassExpiry(tx: Tx, actor: Actor, patientId: string): Promise<string | null> {
  const [row] = await tx.$queryRawUnsafe<{ until: Date | null }[]>(`SELECT ${breakGlassExpirySql("$1", "$2")} AS until`, patientId, actor.userId);
  return row?.until?.toISOString() ?? null;
}

/** A care-team member sees the chart as of right (null); otherwise the latest live grant's expiry, if any. */
function breakGlassExpirySql(patientParam: string, clinicianParam: string): string {
  return `CASE WHEN EXISTS (
             SELECT 1 FROM care_team_patient p JOIN care_team_member m ON m.team_id = p.team_id
             WHERE p.patient_id = ${patientParam}::uuid AND m.user_id = ${clinicianParam}::uuid)
           THEN NULL
           ELSE (SELECT max(g.expires_at) FROM break_glass_grant g
                 WHERE g.clinician_id = ${clinicianParam}::uuid AND g.patient_id = ${patientParam}::uuid AND g.expires_at > now())
           END`;
}

export async function addRecord(actor: Actor, raw: z.input<typeof addRecordSchema>): Promise<string> {
  const input = addRecordSchema.parse(raw);
  await authorize(actor, "chart.write", { resourceType: "patient", patientId: input.patientId });
  return withActor(actor, async (ctx) => {
    const cipher = await openPatient(ctx, actor, input.patientId);
    const entryId = await writeRecordVersion(ctx.tx, cipher, {
      patientId: input.patientId,
      version: 1,
      content: input.content,
      authorId: actor.userId,
    });
    ctx.audit({ action: "record.create", resourceType: input.content.kind, resourceId: entryId, patientId: input.patientId });
    return entryId;
  });
}

/** An amendment is a new version; the earlier ones stay readable in the chart's history. */
export async function amendRecord(actor: Actor, raw: z.input<typeof amendRecordSchema>): Promise<number> {
  const input = amendRecordSchema.parse(raw);
  await authorize(actor, "chart.write", { resourceType: "patient", patientId: input.patientId });
  return withActor(actor, async (ctx) => {
    const cipher = await openPatient(ctx, actor, input.patientId);
    const latest = await ctx.tx.clinicalRecord.findFirst({
      where: { entryId: input.entryId, patientId: input.patientId },
      orderBy: { version: "desc" },
    });
    if (!latest) throw new NotFound("record");
    if (latest.kind !== input.content.kind) throw new InvalidInput("An amendment keeps the entry's kind", { kind: ["An amendment keeps the entry's kind."] });
    // A version that changes nothing would put a reason and a name on the record for no change at all.
    const current = cipher.openJson<ClinicalContent>("clinical_record", "content_enc", latest.id, latest.contentEnc);
    if (canonicalJson(current as unknown as JsonValue) === canonicalJson(input.content as unknown as JsonValue)) {
      throw new InvalidInput("Nothing has changed. Edit the entry before saving, or leave this page.");
    }
    const version = latest.version + 1;
    await writeRecordVersion(ctx.tx, cipher, {
      patientId: input.patientId,
      entryId: input.entryId,
      version,
      content: input.content,
      authorId: actor.userId,
      amendReason: input.amendReason,
    });
    ctx.audit({ action: "record.amend", resourceType: latest.kind, resourceId: input.entryId, patientId: input.patientId, details: { version } });
    return version;
  });
}
