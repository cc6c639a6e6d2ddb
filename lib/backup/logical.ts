import { StringDecoder } from "node:string_decoder";
import type pg from "pg";
import { CREATE_MIGRATIONS_TABLE, readMigrations, recordMigration } from "@/lib/db/migrate";
import { quoteIdent } from "@/lib/db/urls";
import type { KeyRow } from "./key-backup";

/**
 * The embedded database's dump (decision 0017). pg_dump cannot read PGlite (a PostgreSQL 18 server to the
 * installed pg_dump 15), so the backup reads it over the ordinary connection, inside the backup's one
 * REPEATABLE READ transaction: JSON lines, each table's rows as arrays of their columns' text forms (what
 * COPY's text format holds), then every sequence. The schema is not in the dump: it is the migrations the
 * dump names, applied again on restore inside the same transaction that loads the rows and the data keys.
 * Streamed both ways in batches: never the whole dump in memory.
 */
export const LOGICAL_FORMAT = "custodia-logical/v1";
const BATCH = 500;
/** Made by the restore's own migrations; the data keys come from the key backup (0013), never the dump. */
const NOT_DUMPED = new Set(["_prisma_migrations", "patient_key"]);

type Line =
  | { format: typeof LOGICAL_FORMAT; migrations: string[] }
  | { table: string; columns: string[] }
  | { end: string; rows: number }
  | { sequences: { name: string; value: string; called: boolean }[] }
  | { done: true };

const line = (value: Line) => Buffer.from(`${JSON.stringify(value)}\n`);

async function publicTables(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT relname AS name FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') AND NOT relispartition ORDER BY relname`,
  );
  return rows.map((r) => r.name);
}

/** Columns a row is restored through: generated columns are computed again. */
async function columnsOf(client: pg.Client, table: string): Promise<{ name: string; type: string; identity: boolean }[]> {
  const { rows } = await client.query<{ name: string; type: string; identity: boolean }>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type, attidentity <> '' AS identity FROM pg_attribute
      WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum`,
    [`public.${quoteIdent(table)}`],
  );
  return rows;
}

/** The dump of what `client`'s open transaction sees; `migrations` are its finished migrations, in order. */
export async function* logicalDump(client: pg.Client, migrations: string[]): AsyncGenerator<Buffer> {
  yield line({ format: LOGICAL_FORMAT, migrations });
  for (const table of await publicTables(client)) {
    if (NOT_DUMPED.has(table)) continue;
    const columns = (await columnsOf(client, table)).map((c) => c.name);
    yield line({ table, columns });
    const values = columns.map((c) => `${quoteIdent(c)}::text`).join(", ");
    await client.query(`DECLARE backup_rows NO SCROLL CURSOR FOR SELECT to_json(ARRAY[${values}]::text[])::text AS r FROM ${quoteIdent(table)}`);
    let rows = 0;
    for (;;) {
      const batch = (await client.query<{ r: string }>(`FETCH ${BATCH} FROM backup_rows`)).rows;
      if (batch.length === 0) break;
      rows += batch.length;
      yield Buffer.from(batch.map((b) => `${b.r}\n`).join(""));
    }
    await client.query("CLOSE backup_rows");
    yield line({ end: table, rows });
  }
  const names = (await client.query<{ name: string }>(
    `SELECT relname AS name FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'S' ORDER BY relname`,
  )).rows.map((r) => r.name);
  const sequences = [];
  for (const name of names) {
    const [s] = (await client.query<{ value: string; called: boolean }>(`SELECT last_value::text AS value, is_called AS called FROM ${quoteIdent(name)}`)).rows;
    sequences.push({ name, value: s!.value, called: s!.called });
  }
  yield line({ sequences });
  yield line({ done: true });
}

/**
 * Lines of a decrypted stream, without holding more than one chunk and one partial line. A character may
 * straddle two chunks: the decoder keeps its first bytes until the rest arrive (decoding each chunk alone
 * turned it into two replacement characters, and the checksums, over bytes, would not have noticed).
 */
export async function* lines(source: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new StringDecoder("utf8");
  let rest = "";
  for await (const chunk of source) {
    const text = rest + decoder.write(chunk);
    const parts = text.split("\n");
    rest = parts.pop()!;
    yield* parts;
  }
  if (rest + decoder.end() !== "") throw new Error("the dump ends in the middle of a line");
}

export class LogicalRestoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LogicalRestoreError";
  }
}

/**
 * Restores a logical dump into `client`'s database in ONE transaction: the dump's migrations (when the target is
 * empty), every row, the sequences, then the data keys of the patients restored. Any failure, a data key backup
 * that does not authenticate included, rolls all of it back: the target is left as it was.
 * `replace`: the target already holds exactly the dump's migrations; its rows are replaced.
 */
export async function restoreLogical(
  client: pg.Client,
  dump: AsyncIterable<Buffer>,
  keys: AsyncIterable<KeyRow[]>,
  replace: boolean,
  /** Runs once the whole dump was read, before the keys: the caller's checksums. */
  checkDump: () => void,
): Promise<number> {
  const input = lines(dump)[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const { value, done } = await input.next();
    if (done) throw new LogicalRestoreError("the dump ends early");
    return value;
  };
  const header = JSON.parse(await next()) as { format?: string; migrations?: string[] };
  if (header.format !== LOGICAL_FORMAT || !Array.isArray(header.migrations)) throw new LogicalRestoreError(`not a ${LOGICAL_FORMAT} dump`);
  const onDisk = readMigrations();
  const wanted = header.migrations;
  if (wanted.some((name, i) => onDisk[i]?.name !== name)) {
    throw new LogicalRestoreError(`the backup's migrations (up to ${wanted.at(-1) ?? "none"}) are not this code's first ${wanted.length}: restore it with the version of Custodia that made it`);
  }
  await client.query("BEGIN");
  try {
    if (replace) {
      const have = (await client.query<{ name: string }>(
        `SELECT migration_name AS name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`,
      )).rows.map((r) => r.name);
      if (have.join() !== wanted.join()) throw new LogicalRestoreError("the target's migrations differ from the backup's: restore into an empty database");
    } else {
      await client.query(CREATE_MIGRATIONS_TABLE);
      for (const m of onDisk.slice(0, wanted.length)) {
        await client.query(m.sql);
        await recordMigration(client, m);
      }
    }
    // Rows go back as they were: no trigger (append-only guards, sealing, foreign keys) runs on them. Superuser
    // only, as the embedded database's one user is.
    await client.query("SET LOCAL session_replication_role = replica");
    const tables = (await publicTables(client)).filter((t) => t !== "_prisma_migrations");
    if (tables.length > 0) await client.query(`TRUNCATE ${tables.map(quoteIdent).join(", ")}`);
    for (;;) {
      const head = JSON.parse(await next()) as Partial<{ table: string; columns: string[]; sequences: { name: string; value: string; called: boolean }[]; done: true }>;
      if (head.done) break;
      if (head.sequences) {
        for (const s of head.sequences) await client.query("SELECT setval(to_regclass($1), $2::bigint, $3)", [`public.${quoteIdent(s.name)}`, s.value, s.called]);
        continue;
      }
      if (!head.table || !head.columns || !tables.includes(head.table) || NOT_DUMPED.has(head.table)) throw new LogicalRestoreError(`the dump names a table this schema does not have (${String(head.table)})`);
      await loadTable(client, head.table, head.columns, next);
    }
    // Read to its end: the cipher's last chunk and the checksums are checked before anything commits.
    if (!(await input.next()).done) throw new LogicalRestoreError("the dump goes on after its end");
    checkDump();
    let loaded = 0;
    for await (const rows of keys) {
      const result = await client.query(
        `INSERT INTO patient_key (patient_id, dek_wrapped, kek_version)
         SELECT k.patient_id, k.dek_wrapped, k.kek_version FROM unnest($1::uuid[], $2::text[], $3::int[]) AS k(patient_id, dek_wrapped, kek_version)
          WHERE EXISTS (SELECT 1 FROM patient p WHERE p.id = k.patient_id)`,
        [rows.map((r) => r.patientId), rows.map((r) => r.dekWrapped), rows.map((r) => r.kekVersion)],
      );
      loaded += result.rowCount ?? 0;
    }
    await client.query("COMMIT");
    return loaded;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

/** Types come from the target's catalogue, never from the file. */
async function loadTable(client: pg.Client, table: string, columns: string[], next: () => Promise<string>): Promise<void> {
  const target = new Map((await columnsOf(client, table)).map((c) => [c.name, c]));
  const missing = columns.filter((c) => !target.has(c));
  if (missing.length > 0) throw new LogicalRestoreError(`${table}: the dump has columns this schema does not (${missing.join(", ")})`);
  const identity = columns.some((c) => target.get(c)!.identity);
  const insert = `INSERT INTO ${quoteIdent(table)} (${columns.map(quoteIdent).join(", ")}) ${identity ? "OVERRIDING SYSTEM VALUE " : ""}
    SELECT ${columns.map((c, i) => `(r->>${i})::${target.get(c)!.type}`).join(", ")} FROM jsonb_array_elements($1::jsonb) AS r`;
  let batch: string[] = [];
  let count = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await client.query(insert, [`[${batch.join(",")}]`]);
    count += batch.length;
    batch = [];
  };
  for (;;) {
    const text = await next();
    if (text.startsWith("[")) {
      batch.push(text);
      if (batch.length >= BATCH) await flush();
      continue;
    }
    await flush();
    const end = JSON.parse(text) as { end?: string; rows?: number };
    if (end.end !== table || end.rows !== count) throw new LogicalRestoreError(`${table}: ${count} rows read, the dump says ${String(end.rows)}`);
    return;
  }
}
