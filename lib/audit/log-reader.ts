import pg from "pg";
import { SET_CONTEXT_SQL, setContextParams } from "@/lib/db/context";
import type { Checkpoint } from "./checkpoint";
import type { EventContent, LegacyRecord } from "./hashes";

/** A sealed audit_event row as stored. Timestamps are read as text to the microsecond: a JS Date would hide a sub-millisecond edit. */
export interface StoredEvent {
  /** The event's id. */
  seq: string;
  /** Its position in the chain. */
  chain_seq: string;
  occurred_at: string;
  actor_id: string | null;
  actor_role: string | null;
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  patient_pseudonym: string | null;
  outcome: EventContent["outcome"];
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  details: EventContent["details"];
  writer_mac: string;
  net_salt: string | null;
  ip_digest: string | null;
  user_agent_digest: string | null;
  prev_hash: string;
  hash: string;
}

const utcMicros = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`;

/** Ids as text (exact past 2^53); ORDER BY must then name the table's column (`audit_event.seq`), not the text alias. */
export const EVENT_COLUMNS = `seq::text AS seq, chain_seq::text AS chain_seq, ${utcMicros("occurred_at")} AS occurred_at,
  actor_id::text AS actor_id, actor_role, action, resource_type, resource_id, patient_pseudonym, outcome, ip, user_agent,
  request_id, details, writer_mac, net_salt, ip_digest, user_agent_digest, prev_hash, hash`;

export const CHECKPOINT_COLUMNS = `seq, hash, ${utcMicros("signed_at")} AS signed_at, signature, key_id`;

/**
 * Writers store Date.toISOString(), i.e. milliseconds. Extra digits mean the value was changed afterwards, so they
 * are kept: the text then differs from what was hashed or signed, and the check fails as it should.
 */
function isoOf(micros: string): string {
  return micros.endsWith("000") ? `${micros.slice(0, -3)}Z` : `${micros}Z`;
}

/** The content as its writer MAC'd it. */
export function contentOf(row: Omit<StoredEvent, "seq" | "chain_seq" | "prev_hash" | "hash">): EventContent {
  return {
    occurredAt: isoOf(row.occurred_at),
    actorId: row.actor_id,
    actorRole: row.actor_role,
    action: row.action,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    patientPseudonym: row.patient_pseudonym,
    outcome: row.outcome,
    ip: row.ip,
    userAgent: row.user_agent,
    requestId: row.request_id,
    details: row.details,
    netSalt: row.net_salt,
    ipDigest: row.ip_digest,
    userAgentDigest: row.user_agent_digest,
  };
}

/** A format-v1 row's record, placed at chain position `at`. */
export function legacyRecordOf(row: StoredEvent, at = row.chain_seq): LegacyRecord {
  // v1 records hashed exactly these fields: the v3 columns are not part of them (a v1 row has none).
  const c = contentOf(row);
  return {
    seq: at, occurredAt: c.occurredAt, actorId: c.actorId, actorRole: c.actorRole, action: c.action, resourceType: c.resourceType,
    resourceId: c.resourceId, patientPseudonym: c.patientPseudonym, outcome: c.outcome, ip: c.ip, userAgent: c.userAgent,
    requestId: c.requestId, details: c.details,
  };
}

export interface StoredCheckpoint {
  seq: string;
  hash: string;
  signed_at: string;
  signature: string;
  key_id: string;
}

export function checkpointOf(row: StoredCheckpoint): Checkpoint {
  return { seq: row.seq, hash: row.hash, signedAt: isoOf(row.signed_at), signature: row.signature, keyId: row.key_id };
}

/**
 * One connection that can only read: each query runs in its own READ ONLY transaction. Not one long snapshot:
 * on the embedded database an open transaction stalls every other connection, and the log only grows, so
 * the verifier fixes the end it checks up front instead.
 */
export class LogReader {
  // One transaction at a time on the one connection, even when the verifier prefetches the next batch.
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly client: pg.Client) {}

  static async open(url: string): Promise<LogReader> {
    const client = new pg.Client({ connectionString: url });
    client.on("error", () => undefined);
    await client.connect();
    return new LogReader(client);
  }

  query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    const result = this.queue.then(() => this.run<T>(sql, params));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async run<T extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<T[]> {
    await this.client.query("BEGIN TRANSACTION READ ONLY");
    try {
      // As the system, like every reader of ours: row-level security hides the log from a context-less connection.
      await this.client.query(SET_CONTEXT_SQL, setContextParams({ role: "system", userId: null, patientId: null }));
      const { rows } = await this.client.query<T>(sql, params);
      await this.client.query("COMMIT");
      return rows;
    } catch (error) {
      await this.client.query("ROLLBACK").catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.queue;
    return this.client.end();
  }
}
