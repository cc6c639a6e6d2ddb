import type { Actor, RequestMeta } from "@/lib/access/actor";
import { appendAuditEvents, auditRows, type AuditInput } from "@/lib/audit/append";
import { pgPool, prisma } from "./client";
import { SET_CONTEXT_SQL, setContextParams } from "./context";
import type { Prisma } from "./generated/client";

export type Tx = Prisma.TransactionClient;

/** What a service sees inside withActor: the transaction, and a way to record what it did. */
export interface ActorContext {
  tx: Tx;
  /** Queued and written just before commit, in the same transaction: no access without its log line. */
  audit(event: AuditInput): void;
  /**
   * Work that must survive this transaction's failure (the record of a refused access), run in its own
   * transaction after the rollback. Never nested: the embedded database serializes transactions.
   */
  onRollback(work: () => Promise<void>): void;
  /** Work that must only happen once this transaction is durable (writing outside the database). */
  onCommit(work: () => Promise<void>): void;
}

/** The identity a transaction runs under; `system` is for sign-in, seeding and scheduled jobs only. */
export interface DbPrincipal {
  role: Actor["role"] | "system";
  userId: string | null;
  patientId: string | null;
  request: RequestMeta;
}

/** How long a transaction may stay open unless a long read asks for more; both transaction paths use it. */
export const TRANSACTION_TIMEOUT_MS = 30_000;

export interface TransactionOptions {
  /** One consistent read-only snapshot (REPEATABLE READ, READ ONLY): long reads such as an export; no audit inside. */
  readOnly?: boolean;
  /** How long the transaction may stay open; 30 s unless a long read needs more. */
  timeoutMs?: number;
}

/**
 * Runs `work` in one transaction as the unprivileged runtime role with the actor context set
 * transaction-locally (set_config(..., true)), so a pooled connection never carries one actor's context
 * into another's request. Row-level security in PostgreSQL filters every query again.
 */
export async function withPrincipal<T>(
  principal: DbPrincipal,
  work: (ctx: ActorContext) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  if (principal.role !== "system" && !principal.userId) throw new Error("withPrincipal: actor without a user id");
  const rollbackWork: (() => Promise<void>)[] = [];
  const commitWork: (() => Promise<void>)[] = [];
  try {
    const result = await transaction(principal, { rollbackWork, commitWork }, work, options);
    for (const item of commitWork) await item();
    return result;
  } catch (error) {
    for (const item of rollbackWork) await item();
    throw error;
  }
}

interface Hooks {
  rollbackWork: (() => Promise<void>)[];
  commitWork: (() => Promise<void>)[];
}

function transaction<T>(principal: DbPrincipal, hooks: Hooks, work: (ctx: ActorContext) => Promise<T>, options: TransactionOptions): Promise<T> {
  const timeout = options.timeoutMs ?? TRANSACTION_TIMEOUT_MS;
  return prisma().$transaction(
    async (tx) => {
      // First statement, as PostgreSQL requires; the context below is then set inside that snapshot.
      if (options.readOnly) await tx.$executeRawUnsafe("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
      await tx.$queryRawUnsafe(SET_CONTEXT_SQL, ...setContextParams(principal, { transactionMs: timeout }));
      const queued: AuditInput[] = [];
      const ctx: ActorContext = {
        tx,
        audit: (event) => queued.push(event),
        onRollback: (item) => hooks.rollbackWork.push(item),
        onCommit: (item) => hooks.commitWork.push(item),
      };
      const result = await work(ctx);
      if (options.readOnly && queued.length > 0) throw new Error("withPrincipal: a read-only snapshot cannot record audit events");
      await appendAuditEvents(ctx, principal, queued);
      return result;
    },
    { timeout, maxWait: TRANSACTION_TIMEOUT_MS },
  );
}

/**
 * Records events that are the whole of their transaction (a refusal, a verification, an export's summary) in
 * one statement, its own transaction: audit_record (migration 0033) switches to the runtime role, sets the
 * signed context and inserts, so the events commit together under the same row-level security and column
 * grants as withPrincipal's. One round trip instead of Prisma's four-statement transaction, which cost 4x
 * (docs/decisions/0012).
 */
export async function recordEvents(principal: DbPrincipal, events: AuditInput[]): Promise<void> {
  if (principal.role !== "system" && !principal.userId) throw new Error("recordEvents: actor without a user id");
  if (events.length === 0) return;
  await pgPool().query("SELECT audit_record($1::text[], $2::jsonb)", [setContextParams(principal), JSON.stringify(auditRows(principal, events))]);
}

/** Who a signed-in actor is to the database: the context withActor, withActorPg and recordActorEvents set. */
export function principalOf(actor: Actor): DbPrincipal {
  return { role: actor.role, userId: actor.userId, patientId: actor.patientId, request: actor.request };
}

/** recordEvents for an actor's own events. */
export function recordActorEvents(actor: Actor, events: AuditInput[]): Promise<void> {
  return recordEvents(principalOf(actor), events);
}

/** recordEvents as the system (sign-in, scheduled jobs, scripts), optionally on behalf of a user. */
export function recordSystemEvents(request: RequestMeta, events: AuditInput[], onBehalfOf: string | null = null): Promise<void> {
  return recordEvents({ role: "system", userId: onBehalfOf, patientId: null, request }, events);
}

export function withActor<T>(actor: Actor, work: (ctx: ActorContext) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  return withPrincipal(principalOf(actor), work, options);
}

export function withSystem<T>(
  request: RequestMeta,
  work: (ctx: ActorContext) => Promise<T>,
  onBehalfOf: string | null = null,
): Promise<T> {
  return withPrincipal({ role: "system", userId: onBehalfOf, patientId: null, request }, work);
}
