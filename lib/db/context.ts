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

const LABEL = "custodia-db-context/v1";
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

/** The values set on the transaction, in the order the MAC covers them; '|' cannot occur in any of them. */
function contextSettings(context: DbContext): { role: string; actorId: string; patientId: string; patientPsn: string; mac: string } {
  if (!/^[a-z]+$/.test(context.role)) throw new Error("context role must be a plain role name");
  for (const id of [context.userId, context.patientId]) if (id !== null && !uuid.test(id)) throw new Error("context ids must be uuids");
  const actorId = context.userId ?? "";
  const patientId = context.patientId ?? "";
  const patientPsn = context.patientId ? pseudonym(context.patientId) : "";
  const mac = createHmac("sha256", contextKey())
    .update([LABEL, context.role, actorId, patientId, patientPsn].join("|"))
    .digest("hex");
  return { role: context.role, actorId, patientId, patientPsn, mac };
}

/**
 * One statement that switches to the unprivileged role and sets the signed context, both transaction-local:
 * the only way any connection of ours (Prisma's pool, the audit verifier's reader) states who it acts for.
 */
export const SET_CONTEXT_SQL = `SELECT set_config('role', 'custodia_app', true), set_config('app.actor_role', $1, true),
  set_config('app.actor_id', $2, true), set_config('app.patient_id', $3, true), set_config('app.patient_psn', $4, true),
  set_config('app.context_mac', $5, true)`;

export function setContextParams(context: DbContext): string[] {
  const c = contextSettings(context);
  return [c.role, c.actorId, c.patientId, c.patientPsn, c.mac];
}

const plainValue = /^[A-Za-z0-9_-]*$/;

/**
 * BEGIN and the context in one round trip, for the raw-pg hot path (pg-transaction.ts). The simple query
 * protocol that carries two statements takes no parameters, so the values are inlined: each is a role name,
 * a uuid, a pseudonym or a hex MAC, and is checked again here to hold no character that could end a literal.
 */
export function beginWithContextSql(context: DbContext): string {
  const values = setContextParams(context);
  if (!values.every((v) => plainValue.test(v))) throw new Error("context values must be plain tokens");
  return `BEGIN; ${SET_CONTEXT_SQL.replace(/\$(\d)/g, (_, n: string) => `'${values[Number(n) - 1]}'`)}`;
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
