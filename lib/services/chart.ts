import "server-only";
import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { InvalidInput, NotFound } from "@/lib/access/errors";
import { withActor, type Tx } from "@/lib/db/transaction";
import { addRecordSchema, amendRecordSchema } from "@/lib/validation/patient";
import type { z } from "zod";
import { openPatient } from "./patient-access";
import { writeRecordVersion } from "./record-versions";
import { entriesOf, identityOf, type ClinicalEntry, type PatientIdentity } from "./patient-view";

export interface Chart {
  identity: PatientIdentity;
  entries: ClinicalEntry[];
  /** Set when the clinician sees this chart only through an active break-glass grant. */
  breakGlassUntil: string | null;
}

export async function getChart(actor: Actor, patientId: string): Promise<Chart> {
  await authorize(actor, "chart.read", { resourceType: "patient", patientId });
  return withActor(actor, async (ctx) => {
    const cipher = await openPatient(ctx, actor, patientId);
    const identity = await ctx.tx.patientIdentity.findUniqueOrThrow({ where: { patientId } });
    const records = await ctx.tx.clinicalRecord.findMany({ where: { patientId } });
    const breakGlassUntil = await breakGlassExpiry(ctx.tx, actor, patientId);
    ctx.audit({
      action: "chart.read",
      resourceType: "patient",
      patientId,
      details: { records: records.length, breakGlass: breakGlassUntil !== null },
    });
    return { identity: identityOf(cipher, identity), entries: entriesOf(cipher, records), breakGlassUntil };
  });
}

async function breakGlassExpiry(tx: Tx, actor: Actor, patientId: string): Promise<string | null> {
  const inTeam = await tx.careTeamPatient.count({
    where: { patientId, team: { members: { some: { userId: actor.userId } } } },
  });
  if (inTeam > 0) return null;
  const grant = await tx.breakGlassGrant.findFirst({
    where: { clinicianId: actor.userId, patientId, expiresAt: { gt: new Date() } },
    orderBy: { expiresAt: "desc" },
  });
  return grant?.expiresAt.toISOString() ?? null;
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
    if (latest.kind !== input.content.kind) throw new InvalidInput("An amendment keeps the entry's kind", { kind: ["cannot change"] });
    const version = latest.version + 1;
    await writeRecordVersion(ctx.tx, cipher, {
      patientId: input.patientId,
      entryId: input.entryId,
      version,
      content: input.content,
      authorId: actor.userId,
    });
    ctx.audit({ action: "record.amend", resourceType: latest.kind, resourceId: input.entryId, patientId: input.patientId, details: { version } });
    return version;
  });
}
