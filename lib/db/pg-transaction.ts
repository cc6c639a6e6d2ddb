import { createHash } from "node:crypto";
import type pg from "pg";
import type { Actor, RequestMeta } from "@/lib/access/actor";
import { auditInsert, type AuditInput } from "@/lib/audit/append";
import { pgPool } from "./client";
import { isEmbeddedServer } from "./connection";
import { SET_CONTEXT_SQL, setContextParams } from "./context";
import { principalOf, TRANSACTION_TIMEOUT_MS, type DbPrincipal } from "./transaction";

/** What a hot-path read sees: one pooled connection inside the actor's transaction, and the audit queue. */
export interface PgActorContext {
  query<R extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Written in the same transaction just before COMMIT, as in withActor: no access without its log line. */
  audit(event: AuditInput): void;
  /** Run after the rollback, in a transaction of its own (the record of a refused access). */
  onRollback(work: () => Promise<void>): void;
}

/**
 * withActor's guarantees on raw node-postgres, for reads on the request path (issue 9): Prisma's interactive
 * transaction costs a round trip per statement plus its own engine time. Here: BEGIN (with the statement
 * bound), the signed context (bound parameters), the caller's statement, the audit INSERT and COMMIT: five
 * round trips.
 * Same role switch, same signed context, same RLS, same audit row in the same transaction.
 */
export function withActorPg<T>(actor: Actor, work: (ctx: PgActorContext) => Promise<T>, options: { timeoutMs?: number } = {}): Promise<T> {
  return withPrincipalPg(principalOf(actor), work, options);
}

/** withSystem on raw node-postgres: the per-request session check (lib/auth/sessions.ts). */
export function withSystemPg<T>(request: RequestMeta, work: (ctx: PgActorContext) => Promise<T>): Promise<T> {
  return withPrincipalPg({ role: "system", userId: null, patientId: null, request }, work);
}

async function withPrincipalPg<T>(
  principal: DbPrincipal,
  work: (ctx: PgActorContext) => Promise<T>,
  { timeoutMs = TRANSACTION_TIMEOUT_MS }: { timeoutMs?: number } = {},
): Promise<T> {
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) throw new Error("withPrincipalPg: timeoutMs must be a positive whole number");
  const deadline = Date.now() + timeoutMs;
  const rollbackWork: (() => Promise<void>)[] = [];
  const queued: AuditInput[] = [];
  const client = await pgPool().connect();
  let result: T;
  try {
    // The same bound as withActor's (Prisma's transaction timeout), in the BEGIN message: no statement runs
    // longer than the whole allowance, none starts after the deadline, and a transaction past its deadline is
    // rolled back rather than committed. The context follows as its own statement with bound parameters:
    // inlined into that message, the MAC was readable by any session of the same login in pg_stat_activity.
    const statement = await statementsFor(client);
    await client.query(`BEGIN; SET LOCAL statement_timeout = ${timeoutMs}`);
    await client.query(statement(SET_CONTEXT_SQL, setContextParams(principal, { transactionMs: timeoutMs })));
    result = await work({
      query: async <R extends pg.QueryResultRow>(sql: string, params?: unknown[]) => {
        beforeDeadline(deadline);
        return (await client.query<R>(statement(sql, params ?? []))).rows;
      },
      audit: (event) => queued.push(event),
      onRollback: (item) => rollbackWork.push(item),
    });
    beforeDeadline(deadline);
    const insert = auditInsert(principal, queued);
    if (insert) await client.query(statement(insert.sql, insert.params));
    await client.query("COMMIT");
  } catch (error) {
    // A connection whose ROLLBACK fails is in an unknown state: release(error) makes the pool discard it.
    const broken = await client.query("ROLLBACK").then(() => undefined, (e: Error) => e);
    client.release(broken);
    for (const item of rollbackWork) await item();
    throw error;
  }
  client.release();
  return result;
}

type Statement = (text: string, values: unknown[]) => pg.QueryConfig;

/**
 * Named statements, prepared once per connection: the chart statement's plan (row-level security expands it
 * into dozens of subplans) took as long to make as to run (decision 0015). Named by their text, so one name is
 * one text. Each distinct text stays prepared on the connection for its life, so a caller must keep values in
 * bound parameters ($n), never in the text (today's texts vary only by audit batch size and filter shape). Not on
 * the embedded database: PGlite serves every pooled connection from one session, where a second connection
 * preparing the same name is refused.
 */
const statements = new WeakMap<pg.PoolClient, Statement>();

async function statementsFor(client: pg.PoolClient): Promise<Statement> {
  let statement = statements.get(client);
  if (!statement) {
    statement = (await isEmbeddedServer(client))
      ? (text, values) => ({ text, values })
      : (text, values) => ({ name: `custodia-${createHash("sha256").update(text).digest("hex").slice(0, 24)}`, text, values });
    statements.set(client, statement);
  }
  return statement;
}

function beforeDeadline(deadline: number): void {
  if (Date.now() >= deadline) throw new Error("withActorPg: transaction timed out");
}
