import type { Actor, RequestMeta } from "@/lib/access/actor";
import { appendAuditEvents, type AuditInput } from "@/lib/audit/append";
import { prisma } from "./client";
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

const TRANSACTION_TIMEOUT_MS = 30_000;

/**
 * Runs `work` in one transaction as the unprivileged runtime role with the actor context set
 * transaction-locally (set_config(..., true)), so a pooled connection never carries one actor's context
 * into another's request. Row-level security in PostgreSQL filters every query again.
 */
export async function withPrincipal<T>(principal: DbPrincipal, work: (ctx: ActorContext) => Promise<T>): Promise<T> {
  if (principal.role !== "system" && !principal.userId) throw new Error("withPrincipal: actor without a user id");
  const rollbackWork: (() => Promise<void>)[] = [];
  const commitWork: (() => Promise<void>)[] = [];
  try {
    const result = await transaction(principal, { rollbackWork, commitWork }, work);
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

function transaction<T>(principal: DbPrincipal, hooks: Hooks, work: (ctx: ActorContext) => Promise<T>): Promise<T> {
  return prisma().$transaction(
    async (tx) => {
      await tx.$queryRawUnsafe(SET_CONTEXT_SQL, ...setContextParams(principal));
      const queued: AuditInput[] = [];
      const ctx: ActorContext = {
        tx,
        audit: (event) => queued.push(event),
        onRollback: (item) => hooks.rollbackWork.push(item),
        onCommit: (item) => hooks.commitWork.push(item),
      };
      const result = await work(ctx);
      await appendAuditEvents(ctx, principal, queued);
      return result;
    },
    { timeout: TRANSACTION_TIMEOUT_MS, maxWait: TRANSACTION_TIMEOUT_MS },
  );
}

export function withActor<T>(actor: Actor, work: (ctx: ActorContext) => Promise<T>): Promise<T> {
  return withPrincipal(
    { role: actor.role, userId: actor.userId, patientId: actor.patientId, request: actor.request },
    work,
  );
}

export function withSystem<T>(
  request: RequestMeta,
  work: (ctx: ActorContext) => Promise<T>,
  onBehalfOf: string | null = null,
): Promise<T> {
  return withPrincipal({ role: "system", userId: onBehalfOf, patientId: null, request }, work);
}
