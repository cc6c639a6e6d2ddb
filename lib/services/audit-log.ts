import "server-only";
import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { InvalidInput, NotFound } from "@/lib/access/errors";
import type { AuditOutcome, EventContent } from "@/lib/audit/hashes";
import { blindIndex } from "@/lib/crypto/blind-index";
import { pseudonym } from "@/lib/crypto/pseudonym";
import { Prisma } from "@/lib/db/generated/client";
import { withActorPg } from "@/lib/db/pg-transaction";
import { snapshotStream } from "@/lib/db/snapshot-stream";
import { recordActorEvents, withActor, withSystem, type Tx } from "@/lib/db/transaction";
import { auditFilterSchema, type AuditFilter } from "@/lib/validation/audit";
import { staffIdsMatching, staffNamesById } from "./staff-names";

/**
 * An event as the auditor sees it: its id, its content, and its place in the chain once sealed (null before).
 * The address digests stay inside: `addressRemovedAfterDays` says the address and user agent were removed by
 * the retention job (the period in force now), so a blank is not mistaken for "none recorded".
 */
export type AuditEventView = Omit<EventContent, "netSalt" | "ipDigest" | "userAgentDigest"> & {
  seq: string;
  chainSeq: string | null;
  hash: string | null;
  addressRemovedAfterDays: number | null;
};

/** On screen, staff appear by name beside their role (staff identities are not PHI). */
export type NamedAuditEvent = AuditEventView & { actorName: string | null };

export const PAGE_SIZE = 50;

/** A patient filter may be a pseudonym or an MRN; an MRN is turned into the pseudonym via its blind index. */
async function patientFilterPseudonym(actor: Actor, value: string): Promise<string> {
  await authorize(actor, "audit.read");
  if (value.startsWith("psn_")) return value;
  const match = await withSystem(actor.request, ({ tx }) =>
    tx.patientIdentity.findUnique({ where: { mrnBidx: blindIndex("mrn", value) }, select: { patientId: true } }),
  );
  // Auditors may know who is a patient; a typo must not pass as "no events" for someone who exists.
  if (!match) throw new InvalidInput("No patient has this MRN.", { patient: ["No patient has this MRN: check the number, or use the pseudonym"] });
  return pseudonym(match.patientId);
}

/** What a filter names, resolved before the query: the patient's pseudonym, the staff whose name matched. */
interface Resolved {
  patientPseudonym?: string;
  actorIds?: string[];
}

async function resolve(actor: Actor, filter: AuditFilter): Promise<Resolved> {
  const patientPseudonym = filter.patient ? await patientFilterPseudonym(actor, filter.patient) : undefined;
  const actorIds = filter.staff ? await staffIdsMatching(actor.request, filter.staff) : undefined;
  if (actorIds?.length === 0) throw new InvalidInput("No staff member has this name.", { staff: ["No staff member's name contains this"] });
  return { patientPseudonym, actorIds };
}

/**
 * A filter as it may go into the page's address: checked, and with an MRN swapped for the patient's pseudonym
 * (an MRN never reaches a URL, a log line or a browser history). Refuses what would match nothing by mistake.
 */
export async function auditFilterQuery(actor: Actor, raw: unknown): Promise<Record<string, string>> {
  const filter = auditFilterSchema.parse(raw);
  await authorize(actor, "audit.read");
  const { patientPseudonym } = await resolve(actor, filter);
  const entries = Object.entries({ ...filter, before: undefined, patient: patientPseudonym });
  return Object.fromEntries(entries.filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== ""));
}

function whereOf(filter: AuditFilter, { patientPseudonym, actorIds }: Resolved): Prisma.Sql {
  const clauses: Prisma.Sql[] = [Prisma.sql`TRUE`];
  if (filter.from) clauses.push(Prisma.sql`occurred_at >= ${filter.from}::date`);
  if (filter.to) clauses.push(Prisma.sql`occurred_at < ${filter.to}::date + 1`);
  if (filter.actorId) clauses.push(Prisma.sql`actor_id = ${filter.actorId}::uuid`);
  if (actorIds) clauses.push(Prisma.sql`actor_id = ANY(${actorIds}::uuid[])`);
  if (filter.role) clauses.push(Prisma.sql`actor_role = ${filter.role}`);
  if (filter.action) clauses.push(Prisma.sql`action = ${filter.action}`);
  if (filter.outcome) clauses.push(Prisma.sql`outcome = ${filter.outcome}`);
  if (patientPseudonym) clauses.push(Prisma.sql`patient_pseudonym = ${patientPseudonym}`);
  if (filter.breakGlass) clauses.push(Prisma.sql`(action LIKE 'break_glass.%' OR details @> '{"breakGlass": true}')`);
  return Prisma.join(clauses, " AND ");
}

/** Prisma gives int8 as bigint, node-postgres as text; both print the same digits. */
interface Row {
  seq: bigint | string;
  occurred_at: Date;
  actor_id: string | null;
  actor_role: string | null;
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  patient_pseudonym: string | null;
  outcome: string;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  details: unknown;
  chain_seq: bigint | string | null;
  hash: string | null;
  address_removed: boolean;
  address_days: number | null;
}

function viewOf(r: Row): AuditEventView {
  return {
    seq: r.seq.toString(),
    occurredAt: r.occurred_at.toISOString(),
    actorId: r.actor_id,
    actorRole: r.actor_role,
    action: r.action,
    resourceType: r.resource_type,
    resourceId: r.resource_id,
    patientPseudonym: r.patient_pseudonym,
    outcome: r.outcome as AuditOutcome,
    ip: r.ip,
    userAgent: r.user_agent,
    requestId: r.request_id,
    details: r.details as EventContent["details"],
    chainSeq: r.chain_seq?.toString() ?? null,
    hash: r.hash,
    addressRemovedAfterDays: r.address_removed ? (r.address_days ?? 0) : null,
  };
}

/** Matching events newest first, from just below `before` when given. */
function selectSql(where: Prisma.Sql, before: bigint | undefined): Prisma.Sql {
  // Keyset pagination on the primary key: constant cost per page however deep, unlike OFFSET.
  const cursor = before ? Prisma.sql`AND seq < ${before.toString()}::bigint` : Prisma.empty;
  return Prisma.sql`SELECT seq, occurred_at, actor_id::text, actor_role, action, resource_type, resource_id,
      patient_pseudonym, outcome, ip, user_agent, request_id, details, chain_seq, hash,
      (ip IS NULL AND user_agent IS NULL AND (ip_digest IS NOT NULL OR user_agent_digest IS NOT NULL)) AS address_removed,
      (SELECT days FROM retention_policy WHERE category = 'audit_addresses') AS address_days
    FROM audit_event WHERE ${where} ${cursor} ORDER BY seq DESC`;
}

function pageSql(where: Prisma.Sql, before: bigint | undefined, limit: number): Prisma.Sql {
  return Prisma.sql`${selectSql(where, before)} LIMIT ${limit}::int`;
}

async function page(tx: Tx, where: Prisma.Sql, before: bigint | undefined, limit: number): Promise<Row[]> {
  return tx.$queryRaw<Row[]>(pageSql(where, before, limit));
}

export async function searchAuditEvents(actor: Actor, raw: unknown): Promise<{ events: NamedAuditEvent[]; nextBefore: string | null }> {
  const filter = auditFilterSchema.parse(raw);
  await authorize(actor, "audit.read");
  const resolved = await resolve(actor, filter);
  // The auditor's dashboard is a hot read (issue 9): raw pg, one statement for the page between BEGIN+context
  // and the audit INSERT, as the chart read does.
  const { events, nextBefore } = await withActorPg(actor, async ({ query, audit }) => {
    const sql = pageSql(whereOf(filter, resolved), filter.before, PAGE_SIZE + 1);
    const rows = await query<Row>(sql.text, sql.values);
    const events = rows.slice(0, PAGE_SIZE).map(viewOf);
    // Reading the log is itself logged (filters only; the MRN typed in is never stored).
    audit({ action: "audit.read", details: { ...filterSummary(filter), returned: events.length } });
    return { events, nextBefore: rows.length > PAGE_SIZE ? events.at(-1)!.seq : null };
  });
  return { events: await named(actor, events), nextBefore };
}

async function named(actor: Actor, events: AuditEventView[]): Promise<NamedAuditEvent[]> {
  const staff = events.filter((e) => e.actorId && e.actorRole && e.actorRole !== "patient" && e.actorRole !== "system");
  const names = staff.length === 0 ? new Map<string, string>() : await staffNamesById(actor.request, staff.map((e) => e.actorId!));
  return events.map((e) => ({ ...e, actorName: (e.actorId && names.get(e.actorId)) || null }));
}

function filterSummary(filter: AuditFilter): Record<string, string> {
  const { patient, staff, before, ...rest } = filter;
  return Object.fromEntries(
    Object.entries({ ...rest, patient: patient ? "set" : undefined, staff: staff ? "set" : undefined, before: before?.toString() }).filter(
      ([, v]) => v !== undefined,
    ),
  ) as Record<string, string>;
}

export async function auditEventBySeq(actor: Actor, seq: string): Promise<NamedAuditEvent> {
  await authorize(actor, "audit.read");
  if (!/^\d{1,18}$/.test(seq)) throw new NotFound("event");
  const event = await withActor(actor, async ({ tx, audit }) => {
    const rows = await page(tx, Prisma.sql`seq = ${BigInt(seq)}`, undefined, 1);
    if (!rows[0]) throw new NotFound("event");
    audit({ action: "audit.read", resourceType: "audit_event", resourceId: seq });
    return viewOf(rows[0]);
  });
  const [withName] = await named(actor, [event]);
  return withName!;
}

/**
 * Every matching event, newest first, for the CSV and JSON exports; the export itself is audited first, in its
 * own committed transaction. The events come from one read-only snapshot through a server-side cursor, a
 * batch at a time, and the next batch is fetched only when the reader has taken the last one
 * (snapshotStream): a slow download holds two batches in memory, not the log; an abandoned one rolls the
 * snapshot back at once.
 */
export async function* exportAuditEvents(actor: Actor, raw: unknown, format: "csv" | "json"): AsyncGenerator<AuditEventView> {
  const filter = auditFilterSchema.parse(raw);
  await authorize(actor, "audit.export");
  const where = whereOf(filter, await resolve(actor, filter));
  await recordActorEvents(actor, [{ action: "audit.export", details: { ...filterSummary(filter), format } }]);
  const select = selectSql(where, filter.before);
  const batches = snapshotStream<Row[]>(
    actor,
    async (tx, emit) => {
      await tx.$executeRawUnsafe(`DECLARE audit_export NO SCROLL CURSOR FOR ${select.text}`, ...select.values);
      for (;;) {
        const rows = await tx.$queryRawUnsafe<Row[]>(`FETCH ${EXPORT_BATCH} FROM audit_export`);
        if (rows.length > 0) await emit(rows);
        if (rows.length < EXPORT_BATCH) return;
      }
    },
    EXPORT_MAX_MS,
  );
  for await (const rows of batches) for (const row of rows) yield viewOf(row);
}

const EXPORT_BATCH = 1000;
// Long enough for millions of events over a slow link; the snapshot is read-only and ends with the download.
const EXPORT_MAX_MS = 30 * 60_000;

export interface ActivitySummary {
  perDay: { day: string; allowed: number; denied: number; error: number }[];
  byAction: { action: string; count: number }[];
}

export async function auditActivity(actor: Actor, days = 14): Promise<ActivitySummary> {
  await authorize(actor, "audit.read");
  return withActor(actor, async ({ tx, audit }) => {
    const window = lastDays(days);
    // Days are UTC calendar days, whatever the session's time zone; the window starts at the first one's midnight.
    const since = new Date(`${window[0]}T00:00:00Z`);
    const perDay = await tx.$queryRaw<{ day: string; allowed: bigint; denied: bigint; error: bigint }[]>`
      SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
        count(*) FILTER (WHERE outcome = 'allowed') AS allowed,
        count(*) FILTER (WHERE outcome = 'denied') AS denied,
        count(*) FILTER (WHERE outcome = 'error') AS error
      FROM audit_event WHERE occurred_at >= ${since} GROUP BY 1 ORDER BY 1`;
    const byAction = await tx.$queryRaw<{ action: string; count: bigint }[]>`
      SELECT action, count(*) AS count FROM audit_event WHERE occurred_at >= ${since}
      GROUP BY 1 ORDER BY 2 DESC LIMIT 12`;
    audit({ action: "audit.read", details: { view: "activity", days } });
    const byDay = new Map(perDay.map((d) => [d.day, d]));
    return {
      // One bar per day, quiet days included, so the chart's spacing is time and not the number of busy days.
      perDay: window.map((day) => {
        const d = byDay.get(day);
        return { day, allowed: Number(d?.allowed ?? 0), denied: Number(d?.denied ?? 0), error: Number(d?.error ?? 0) };
      }),
      byAction: byAction.map((a) => ({ action: a.action, count: Number(a.count) })),
    };
  });
}

/** The last `count` UTC calendar days, oldest first, ending today. */
export function lastDays(count: number, now = new Date()): string[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Array.from({ length: count }, (_, i) => new Date(today - (count - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}
