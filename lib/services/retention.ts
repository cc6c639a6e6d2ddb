import "server-only";
import type { Actor, RequestMeta } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { InvalidInput, NotFound } from "@/lib/access/errors";
import { withActor, withSystem, type Tx } from "@/lib/db/transaction";
import { retentionCategories, retentionPeriodSchema, type RetentionCategory } from "@/lib/validation/retention";
import { purgeExpiredRetention } from "./erasure";

export interface RetentionRow {
  category: RetentionCategory;
  label: string;
  days: number;
  min: number;
  max: number;
  updatedAt: string;
  /** Dry run: how many rows the next daily run would remove now. */
  due: number;
}

type Counts = Record<RetentionCategory, number>;

/**
 * What each period removes, as one WHERE clause over p.cutoff (now − period) and p.now. Erased
 * clinical records are different: their date was fixed at erasure (patient_restriction.retain_until, from the
 * period in force then) and each patient is purged in a transaction of its own (erasure.ts).
 */
const rules: Record<Exclude<RetentionCategory, "erased_clinical_records" | "audit_addresses">, { table: string; where: string }> = {
  sessions: { table: "auth_session", where: "(revoked_at IS NOT NULL AND revoked_at < p.cutoff) OR expires_at < p.cutoff" },
  throttle: { table: "login_throttle", where: "window_started_at < p.cutoff AND (locked_until IS NULL OR locked_until < p.now)" },
  record_access: { table: "record_access", where: "accessed_at < p.cutoff" },
  data_requests: {
    table: "data_request",
    where: "status IN ('approved', 'rejected', 'cancelled', 'completed') AND coalesce(decided_at, created_at) < p.cutoff",
  },
};
const simple = Object.keys(rules) as (keyof typeof rules)[];

/**
 * Audit events whose address and user agent are removed (not the events: those are kept for good). Only
 * sealed v3 rows (migration 0037) carry digests under their MAC, so only they can lose the raw values and
 * still verify; the database refuses any other row, any other column, and any row younger than the period.
 */
// The cutoff is also taken from the database's clock, which the trigger checks against: an application clock
// running ahead would otherwise pick a row the trigger refuses, and the whole day's update would fail.
const ADDRESSES_DUE = `chain_seq IS NOT NULL AND net_salt IS NOT NULL AND (ip IS NOT NULL OR user_agent IS NOT NULL)
  AND occurred_at < least(p.cutoff, now() - make_interval(days => $3::int))`;
const PARAMS = "WITH p AS (SELECT $1::timestamptz AS cutoff, $2::timestamptz AS now)";

const cutoff = (now: Date, days: number) => new Date(now.getTime() - days * 86_400_000);

async function periods(tx: Tx): Promise<Map<RetentionCategory, { days: number; updatedAt: Date }>> {
  const rows = await tx.retentionPolicy.findMany();
  return new Map(rows.map((r) => [r.category as RetentionCategory, { days: r.days, updatedAt: r.updatedAt }]));
}

/** The period in force for a category (the system reads it, e.g. at erasure). */
export async function retentionDays(tx: Tx, category: RetentionCategory): Promise<number> {
  const row = await tx.retentionPolicy.findUnique({ where: { category } });
  if (!row) throw new Error(`no retention period for ${category}: migration 0020 missing?`);
  return row.days;
}

async function countDue(tx: Tx, now: Date): Promise<Counts> {
  const policy = await periods(tx);
  const counts = {} as Counts;
  for (const category of simple) {
    const { table, where } = rules[category];
    const [row] = await tx.$queryRawUnsafe<{ n: number }[]>(`${PARAMS} SELECT count(*)::int AS n FROM ${table}, p WHERE ${where}`, cutoff(now, policy.get(category)!.days), now);
    counts[category] = row?.n ?? 0;
  }
  counts.erased_clinical_records = await tx.patientRestriction.count({ where: { reason: "retention", retainUntil: { lte: now } } });
  const [addresses] = await tx.$queryRawUnsafe<{ n: number }[]>(
    `${PARAMS} SELECT count(*)::int AS n FROM audit_event, p WHERE ${ADDRESSES_DUE}`,
    cutoff(now, policy.get("audit_addresses")!.days), now, policy.get("audit_addresses")!.days,
  );
  counts.audit_addresses = addresses?.n ?? 0;
  return counts;
}

/** The dry run for scripts (`npm run retention:report`): what the next run would remove, as the system. */
export async function retentionDryRun(request: RequestMeta, now = new Date()): Promise<Counts> {
  return withSystem(request, async ({ tx, audit }) => {
    const counts = await countDue(tx, now);
    audit({ action: "retention.report", details: { due: counts } });
    return counts;
  });
}

/** The admin's page: every category, its period and the dry run. Counted as the system on the admin's behalf. */
export async function retentionOverview(actor: Actor, now = new Date()): Promise<RetentionRow[]> {
  await authorize(actor, "retention.manage");
  return withSystem(
    actor.request,
    async ({ tx, audit }) => {
      const policy = await periods(tx);
      const due = await countDue(tx, now);
      audit({ action: "retention.report", actorId: actor.userId, actorRole: actor.role, details: { due } });
      return (Object.keys(retentionCategories) as RetentionCategory[]).map((category) => ({
        category,
        ...retentionCategories[category],
        days: policy.get(category)!.days,
        updatedAt: policy.get(category)!.updatedAt.toISOString(),
        due: due[category],
      }));
    },
    actor.userId,
  );
}

/** An administrator changes one period; audited with the value before and after. */
export async function setRetentionPeriod(actor: Actor, raw: unknown): Promise<void> {
  await authorize(actor, "retention.manage");
  const parsed = retentionPeriodSchema.safeParse(raw);
  if (!parsed.success) {
    const errors = parsed.error.flatten().fieldErrors as Record<string, string[]>;
    throw new InvalidInput(Object.values(errors).flat()[0] ?? "Check the period", errors);
  }
  const { category, days } = parsed.data;
  await withActor(actor, async ({ tx, audit }) => {
    const before = await tx.retentionPolicy.findUnique({ where: { category } });
    if (!before) throw new NotFound("retention category");
    await tx.retentionPolicy.update({ where: { category }, data: { days, updatedAt: new Date(), updatedBy: actor.userId } });
    audit({ action: "retention.policy.update", resourceType: "retention_policy", resourceId: category, details: { before: before.days, after: days } });
  });
}

/**
 * The daily retention job: each category in its own transaction, as the system, audited with what it
 * removed; then erased patients whose retention has ended, one transaction each. Returns what was removed
 * and the pseudonyms of patients whose purge failed (each failure is audited).
 */
export async function applyRetention(request: RequestMeta, now = new Date()): Promise<{ removed: Counts; failed: string[] }> {
  const removed = {} as Counts;
  for (const category of simple) {
    removed[category] = await withSystem(request, async ({ tx, audit }) => {
      const days = await retentionDays(tx, category);
      const { table, where } = rules[category];
      const n = await tx.$executeRawUnsafe(`${PARAMS} DELETE FROM ${table} USING p WHERE ${where}`, cutoff(now, days), now);
      audit({ action: "retention.apply", resourceType: "retention_policy", resourceId: category, details: { days, removed: n } });
      return n;
    });
  }
  removed.audit_addresses = await redactAuditAddresses(request, now);
  const purge = await purgeExpiredRetention(request, now);
  removed.erased_clinical_records = purge.purged;
  return { removed, failed: purge.failed };
}

/**
 * Removes the address and user agent of audit events older than the period, as the system, audited with the
 * count. The chain still verifies: the events' MACs cover keyed digests of those values, which stay.
 */
export async function redactAuditAddresses(request: RequestMeta, now = new Date()): Promise<number> {
  return withSystem(request, async ({ tx, audit }) => {
    const days = await retentionDays(tx, "audit_addresses");
    const n = await tx.$executeRawUnsafe(
      `${PARAMS} UPDATE audit_event SET ip = NULL, user_agent = NULL FROM p WHERE ${ADDRESSES_DUE}`, cutoff(now, days), now, days,
    );
    audit({ action: "retention.apply", resourceType: "retention_policy", resourceId: "audit_addresses", details: { days, removed: n } });
    return n;
  });
}
