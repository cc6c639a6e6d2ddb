import "server-only";
import { randomUUID } from "node:crypto";
import type { Actor } from "@/lib/access/actor";
import { noRequest } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { Conflict, NotFound } from "@/lib/access/errors";
import { refusingDuplicate } from "@/lib/db/errors";
import { withActor, withSystem, type Tx } from "@/lib/db/transaction";
import { processorIdSchema, processorSchema, todayIso, type ProcessorInput } from "@/lib/validation/processor";

/** Days before an agreement ends when the first alert is raised (issue 11: 30 days before expiry and on expiry). */
export const EXPIRY_WARNING_DAYS = 30;

export type AgreementStatus = "active" | "expiring" | "expired";

export interface ProcessorView {
  id: string;
  name: string;
  service: string;
  agreement: "baa" | "dpa" | "both";
  signedOn: string;
  expiresOn: string;
  dataCategories: string[];
  country: string;
  transferMechanism: string | null;
  documentRef: string;
  updatedAt: string;
}

export interface ProcessorListing extends ProcessorView {
  status: AgreementStatus;
  /** Whole days from today (UTC) to the end date; 0 or less once it has ended. */
  daysLeft: number;
}

type Row = Awaited<ReturnType<Tx["processor"]["findFirstOrThrow"]>>;

const day = (d: Date) => d.toISOString().slice(0, 10);
const asDate = (iso: string) => new Date(`${iso}T00:00:00Z`);

function view(p: Row): ProcessorView {
  return {
    id: p.id,
    name: p.name,
    service: p.service,
    agreement: p.agreement as ProcessorView["agreement"],
    signedOn: day(p.signedOn),
    expiresOn: day(p.expiresOn),
    dataCategories: p.dataCategories as string[],
    country: p.country,
    transferMechanism: p.transferMechanism,
    documentRef: p.documentRef,
    updatedAt: p.updatedAt.toISOString(),
  };
}

export function daysUntil(expiresOn: string, now: Date): number {
  return Math.round((asDate(expiresOn).getTime() - asDate(todayIso(now)).getTime()) / 86_400_000);
}

export function agreementStatus(daysLeft: number): AgreementStatus {
  return daysLeft <= 0 ? "expired" : daysLeft <= EXPIRY_WARNING_DAYS ? "expiring" : "active";
}

/** The register, soonest-ending agreement first, for administrators and auditors. */
export async function listProcessors(actor: Actor, now: Date = new Date()): Promise<ProcessorListing[]> {
  await authorize(actor, "processors.read", { resourceType: "processor" });
  return withActor(actor, async ({ tx, audit }) => {
    const rows = await tx.processor.findMany({ orderBy: [{ expiresOn: "asc" }, { name: "asc" }] });
    audit({ action: "processor.list", resourceType: "processor", details: { returned: rows.length } });
    return rows.map((row) => {
      const v = view(row);
      const daysLeft = daysUntil(v.expiresOn, now);
      return { ...v, status: agreementStatus(daysLeft), daysLeft };
    });
  });
}

function columns(input: ReturnType<typeof processorSchema.parse>) {
  return {
    name: input.name,
    service: input.service,
    agreement: input.agreement,
    signedOn: asDate(input.signedOn),
    expiresOn: asDate(input.expiresOn),
    dataCategories: input.dataCategories,
    country: input.country,
    transferMechanism: input.transferMechanism ?? null,
    documentRef: input.documentRef,
  };
}

/** Also when two administrators add the same vendor at once: the unique index on lower(name) refuses the second. */
const duplicateName = () => new Conflict("A processor with this name is already registered. Edit that one instead.");

async function nameTaken(tx: Tx, name: string, exceptId?: string): Promise<boolean> {
  const other = await tx.processor.findFirst({ where: { name: { equals: name, mode: "insensitive" }, ...(exceptId ? { id: { not: exceptId } } : {}) } });
  return other !== null;
}

export async function createProcessor(actor: Actor, raw: ProcessorInput): Promise<ProcessorView> {
  await authorize(actor, "processors.manage", { resourceType: "processor" });
  const input = processorSchema.parse(raw);
  return refusingDuplicate(
    withActor(actor, async ({ tx, audit }) => {
      if (await nameTaken(tx, input.name)) throw duplicateName();
      const created = view(await tx.processor.create({ data: { id: randomUUID(), ...columns(input) } }));
      audit({ action: "processor.create", resourceType: "processor", resourceId: created.id, details: { after: { ...created } } });
      return created;
    }),
    duplicateName,
  );
}

export async function updateProcessor(actor: Actor, id: string, raw: ProcessorInput): Promise<ProcessorView> {
  await authorize(actor, "processors.manage", { resourceType: "processor" });
  const target = processorIdSchema.parse({ id });
  const input = processorSchema.parse(raw);
  return refusingDuplicate(
    withActor(actor, async ({ tx, audit }) => {
      const before = await tx.processor.findUnique({ where: { id: target.id } });
      if (!before) throw new NotFound("processor");
      if (await nameTaken(tx, input.name, target.id)) throw duplicateName();
      const after = view(await tx.processor.update({ where: { id: target.id }, data: { ...columns(input), updatedAt: new Date() } }));
      audit({ action: "processor.update", resourceType: "processor", resourceId: target.id, details: { before: { ...view(before) }, after: { ...after } } });
      return after;
    }),
    duplicateName,
  );
}

export async function deleteProcessor(actor: Actor, raw: { id: string }): Promise<void> {
  await authorize(actor, "processors.manage", { resourceType: "processor" });
  const { id } = processorIdSchema.parse(raw);
  await withActor(actor, async ({ tx, audit }) => {
    const before = await tx.processor.findUnique({ where: { id } });
    if (!before) throw new NotFound("processor");
    await tx.processor.delete({ where: { id } });
    audit({ action: "processor.delete", resourceType: "processor", resourceId: id, details: { before: { ...view(before) } } });
  });
}

export type ExpiryThreshold = "30-days" | "expired";

/**
 * Raises the agreement-expiry alerts due at `now`: one when an agreement ends within 30 days, one when it has
 * ended. Meant for the scheduled job runner; safe to run often and from several instances at once: the
 * database keeps one alert per processor, threshold and end date (unique index, ON CONFLICT DO NOTHING), so a
 * renewed agreement is alerted afresh and a repeated run raises nothing. Returns the alerts raised by this run.
 */
export async function raiseProcessorExpiryAlerts(now: Date = new Date()): Promise<{ processorId: string; threshold: ExpiryThreshold }[]> {
  const horizon = asDate(todayIso(new Date(now.getTime() + EXPIRY_WARNING_DAYS * 86_400_000)));
  return withSystem(noRequest, async ({ tx, audit }) => {
    const due = await tx.processor.findMany({ where: { expiresOn: { lte: horizon } }, orderBy: { expiresOn: "asc" } });
    const raised: { processorId: string; threshold: ExpiryThreshold }[] = [];
    for (const p of due) {
      const expiresOn = day(p.expiresOn);
      const daysLeft = daysUntil(expiresOn, now);
      const threshold: ExpiryThreshold = daysLeft <= 0 ? "expired" : "30-days";
      const { count } = await tx.alert.createMany({
        data: { kind: "processor_expiry", details: { processorId: p.id, processorName: p.name, agreement: p.agreement, threshold, expiresOn, daysLeft } },
        skipDuplicates: true,
      });
      if (count === 0) continue;
      raised.push({ processorId: p.id, threshold });
      audit({ action: "processor.expiry_alert", resourceType: "processor", resourceId: p.id, details: { threshold, expiresOn } });
    }
    return raised;
  });
}
