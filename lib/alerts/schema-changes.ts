import type { ActorContext, Tx } from "@/lib/db/transaction";
import { EVIDENCE_LIMIT, type AlertDraft } from "./raise";

/** Rows turned into audit events per pass; the rest waits for the next run. */
const BATCH = 500;
const LOOKBACK_MS = 7 * 24 * 60 * 60 * 1000;
export const EVENT_TRIGGERS = ["custodia_ddl_end", "custodia_sql_drop"];

interface DdlRow {
  id: string;
  occurred_at: Date;
  event: string;
  command_tag: string;
  object_type: string | null;
  schema_name: string | null;
  object_identity: string | null;
  db_user: string;
  client_addr: string | null;
  application_name: string | null;
  txid: string;
}

/**
 * Turns what the event trigger recorded (migration 0021: ddl_event) into signed "schema.change" audit events,
 * each exactly once: rows are claimed with SKIP LOCKED and marked in the same transaction as the events, so
 * two instances never record one twice and a crash records nothing. The event trigger cannot write the log
 * itself: a row without the application's writer MAC is sealed as a forgery.
 */
export async function recordSchemaChanges(ctx: ActorContext): Promise<number> {
  const rows = await ctx.tx.$queryRaw<DdlRow[]>`
    SELECT id::text, occurred_at, event, command_tag, object_type, schema_name, object_identity, db_user, client_addr,
      application_name, txid::text
    FROM ddl_event WHERE processed_at IS NULL ORDER BY id LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`;
  if (rows.length === 0) return 0;
  for (const r of rows) {
    ctx.audit({
      action: "schema.change",
      resourceType: r.object_type ?? "schema",
      resourceId: r.object_identity ?? undefined,
      details: {
        ddlEventId: r.id, at: r.occurred_at.toISOString(), event: r.event, command: r.command_tag, schema: r.schema_name,
        dbUser: r.db_user, clientAddr: r.client_addr, application: r.application_name, txid: r.txid,
      },
    });
  }
  await ctx.tx.$executeRaw`UPDATE ddl_event SET processed_at = now() WHERE id = ANY(${rows.map((r) => r.id)}::bigint[])`;
  return rows.length;
}

/**
 * One alert per database transaction that changed the schema (a migration is one transaction, so one
 * alert naming each of its statements), high when it dropped something.
 */
export async function schemaChanges(tx: Tx, now: Date): Promise<AlertDraft[]> {
  const rows = await tx.$queryRaw<{ first_ddl: string; commands: string[]; db_user: string; drops: boolean; evidence: string[] }[]>`
    SELECT min((details->>'ddlEventId')::bigint)::text AS first_ddl,
      array_agg(DISTINCT details->>'command') AS commands, min(details->>'dbUser') AS db_user,
      bool_or(details->>'event' = 'sql_drop') AS drops,
      (array_agg(seq ORDER BY seq))[1:${EVIDENCE_LIMIT}::int]::text[] AS evidence
    FROM audit_event
    WHERE action = 'schema.change' AND occurred_at > ${new Date(now.getTime() - LOOKBACK_MS)}::timestamptz
    GROUP BY details->>'txid', details->>'dbUser'`;
  return rows.map((r) => ({
    kind: "schema_change", rule: "schema-change", severity: r.drops ? "high" : "medium", windowKey: `schema-change:${r.first_ddl}`,
    details: { commands: r.commands, dbUser: r.db_user, statements: r.evidence.length },
    evidence: r.evidence,
  }));
}

/**
 * The watcher of the watcher: event triggers can be disabled or dropped by a superuser without firing
 * themselves, and a non-superuser migration cannot create them. One alert a day while they are missing.
 */
export async function schemaMonitorOff(tx: Tx, now: Date): Promise<AlertDraft[]> {
  const [row] = await tx.$queryRaw<{ active: string[] }[]>`
    SELECT coalesce(array_agg(evtname::text), '{}') AS active FROM pg_event_trigger
    WHERE evtname = ANY(${EVENT_TRIGGERS}::text[]) AND evtenabled <> 'D'`;
  const missing = EVENT_TRIGGERS.filter((name) => !row?.active.includes(name));
  if (missing.length === 0) return [];
  const day = now.toISOString().slice(0, 10);
  return [{
    kind: "schema_monitor_off", rule: "schema-monitor", severity: "high", windowKey: `schema-monitor:${day}`,
    details: { missing }, evidence: [],
  }];
}
