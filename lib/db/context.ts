import { createHash, createHmac, hkdfSync } from "node:crypto";
import { keyProvider, type KeyProvider } from "@/lib/crypto/keys";
import { pseudonym } from "@/lib/crypto/pseudonym";
import { withConnection } from "./connection";

/**
 * The signed actor context (prisma/migrations/0009_second_wall). Every transaction states who it runs for
 * and proves it with an HMAC the database checks against a key the runtime role cannot read, so a runtime
 * connection running arbitrary SQL cannot claim `system` or another user: it can only replay the context
 * it was given.
 */
export interface DbContext {
  role: string;
  userId: string | null;
  patientId: string | null;
}

// The key derivation keeps its first label (the installed key stays valid); the MAC's input names its format.
const LABEL = "custodia-db-context/v1";
const MAC_LABEL = "custodia-db-context/v2";
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const derived = new WeakMap<KeyProvider, Buffer>();

/** Derived from AUTH_SECRET (HKDF, own label): the key that already decides who a request is. Once per provider. */
function contextKey(provider: KeyProvider = keyProvider()): Buffer {
  let key = derived.get(provider);
  if (!key) {
    key = Buffer.from(hkdfSync("sha256", provider.secret("authSecret"), Buffer.alloc(0), LABEL, 32));
    derived.set(provider, key);
  }
  return key;
}

/**
 * The MAC covers an expiry, so a context seen anywhere it should not be (a log, a captured query) cannot be
 * replayed later. The database compares it with each statement's start (statement_timestamp(), not the
 * transaction's: a transaction held open would otherwise accept a leaked context for ever), so a context is
 * signed for its transaction's whole allowed time plus this margin for clock skew between app and database.
 */
export const CONTEXT_VALIDITY_SECONDS = 60;

/**
 * Wall-clock seconds from the process's monotonic clock: a test that fakes Date (to place an event in time)
 * must not make the database think the context it signs has expired.
 */
function wallClockSeconds(): number {
  return Math.floor((performance.timeOrigin + performance.now()) / 1000);
}

/** The values set on the transaction, in the order the MAC covers them; '|' cannot occur in any of them. */
function contextSettings(context: DbContext, expiresAt: number): { role: string; actorId: string; patientId: string; patientPsn: string; mac: string } {
  if (!/^[a-z]+$/.test(context.role)) throw new Error("context role must be a plain role name");
  for (const id of [context.userId, context.patientId]) if (id !== null && !uuid.test(id)) throw new Error("context ids must be uuids");
  const actorId = context.userId ?? "";
  const patientId = context.patientId ?? "";
  const patientPsn = context.patientId ? pseudonym(context.patientId) : "";
  const expires = String(expiresAt);
  const digest = createHmac("sha256", contextKey())
    .update([MAC_LABEL, context.role, actorId, patientId, patientPsn, expires].join("|"))
    .digest("hex");
  // The expiry travels inside app.context_mac ("<expires>.<hex>"), so every place that sets a context
  // (SET_CONTEXT_SQL, audit_record's five values) carries it unchanged.
  return { role: context.role, actorId, patientId, patientPsn, mac: `${expires}.${digest}` };
}

/**
 * One statement that switches to the unprivileged role and sets the signed context, both transaction-local:
 * the only way any connection of ours (Prisma's pool, the raw-pg read path, the audit verifier's reader)
 * states who it acts for. Always with bound parameters: a statement's text is visible to other sessions of
 * the same login in pg_stat_activity, its parameters are not.
 */
export const SET_CONTEXT_SQL = `SELECT set_config('role', 'custodia_app', true), set_config('app.actor_role', $1, true),
  set_config('app.actor_id', $2, true), set_config('app.patient_id', $3, true), set_config('app.patient_psn', $4, true),
  set_config('app.context_mac', $5, true)`;

export interface ContextLifetime {
  /** How long the transaction that sets it may run (its timeout); 0 for a single statement. */
  transactionMs?: number;
  /** Only for tests that need a context signed at another time (an expired one). */
  nowSeconds?: number;
}

export function setContextParams(context: DbContext, { transactionMs = 0, nowSeconds = wallClockSeconds() }: ContextLifetime = {}): string[] {
  const c = contextSettings(context, nowSeconds + Math.ceil(transactionMs / 1000) + CONTEXT_VALIDITY_SECONDS);
  return [c.role, c.actorId, c.patientId, c.patientPsn, c.mac];
}

/** HMAC pads, so the database computes the MAC with sha256() alone (no pgcrypto needed). */
function pads(key: Buffer): { inner: Buffer; outer: Buffer } {
  const block = Buffer.alloc(64);
  key.copy(block);
  return { inner: Buffer.from(block.map((b) => b ^ 0x36)), outer: Buffer.from(block.map((b) => b ^ 0x5c)) };
}

/**
 * Installs this deployment's context key; run with the owner's connection after migrating (server start,
 * `npm run db:migrate`, tests). Every app instance derives the same key from the same AUTH_SECRET.
 */
export async function installContextKey(ownerUrl: string, provider: KeyProvider = keyProvider()): Promise<void> {
  const key = contextKey(provider);
  const { inner, outer } = pads(key);
  const keyId = createHash("sha256").update(key).digest("hex").slice(0, 16);
  await withConnection(ownerUrl, (client) =>
    client.query(
      `INSERT INTO app_context_key (id, inner_pad, outer_pad, key_id) VALUES (1, $1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET inner_pad = EXCLUDED.inner_pad, outer_pad = EXCLUDED.outer_pad,
         key_id = EXCLUDED.key_id, installed_at = now()
       WHERE app_context_key.key_id <> EXCLUDED.key_id`,
      [inner, outer, keyId],
    ),
  );
}
