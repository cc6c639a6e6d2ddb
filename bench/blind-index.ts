/**
 * Exact MRN search among 1,000,000 identities: HMAC blind index (compute blindIndex in Node, then an
 * indexed lookup on the 32-byte bytea column, as patient_identity stores it since migration 0025) against the same lookup on a plaintext indexed column,
 * which we never store — it is the yardstick for what keeping MRNs out of the database costs.
 * The rows are generated in SQL, not through registerPatient: a million data keys and audit events would
 * take hours and measure the wrong thing. The stored index values are the real HMACs (checked below).
 * Run: npm run bench -- blind-index
 */
import pg from "pg";
import { blindIndex } from "@/lib/crypto/blind-index";
import { keyProvider } from "@/lib/crypto/keys";
import { ms, percentile, prepareEnvironment, printTable, ratio, scaled, scratchDatabase, stats, timePair, type SummaryRow } from "./support";

const mrnOf = (n: number) => `MRN${String(n).padStart(8, "0")}`;
// MRNs are generated already normalized (upper case, no spaces or dashes), so SQL need not reimplement
// normalizeIdentifier; the message is "mrn" NUL <mrn> as in lib/crypto/blind-index.ts.
const MRN_SQL = `'MRN' || lpad(g::text, 8, '0')`;

async function fillInSql(client: pg.Client, rows: number, key: Buffer): Promise<void> {
  await client.query(
    `INSERT INTO bench_identity (mrn_bidx, mrn_plain)
     SELECT hmac('\\x6d726e00'::bytea || convert_to(${MRN_SQL}, 'UTF8'), $1::bytea, 'sha256'), ${MRN_SQL}
     FROM generate_series(1, $2::int) AS g`,
    [key, rows],
  );
}

/** Without pgcrypto: the same values computed in Node, in multi-row inserts of 10,000. */
async function fillFromNode(client: pg.Client, rows: number): Promise<void> {
  for (let from = 1; from <= rows; from += 10_000) {
    const params: (string | Uint8Array)[] = [];
    const values: string[] = [];
    for (let n = from; n < Math.min(rows + 1, from + 10_000); n++) {
      params.push(blindIndex("mrn", mrnOf(n)), mrnOf(n));
      values.push(`($${params.length - 1}, $${params.length})`);
    }
    await client.query(`INSERT INTO bench_identity (mrn_bidx, mrn_plain) VALUES ${values.join(",")}`, params);
  }
}

async function indexBytes(client: pg.Client, name: string): Promise<number> {
  const { rows } = await client.query<{ bytes: string }>("SELECT pg_relation_size($1::regclass) AS bytes", [name]);
  return Number(rows[0]!.bytes);
}

export async function run(): Promise<SummaryRow[]> {
  prepareEnvironment();
  const rows = scaled(1_000_000, 10_000);
  const lookups = scaled(2000, 200);
  const db = await scratchDatabase("bidx");
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query("CREATE TABLE bench_identity (id serial PRIMARY KEY, mrn_bidx bytea NOT NULL, mrn_plain text NOT NULL)");
    const loadStart = Date.now();
    const inSql = await client.query("CREATE EXTENSION IF NOT EXISTS pgcrypto").then(
      () => true,
      () => false,
    );
    if (inSql) await fillInSql(client, rows, keyProvider().secret("blindIndex"));
    else await fillFromNode(client, rows);
    // Unique, as patient_identity.mrn_bidx is; both btree, built after the load as a bulk import would.
    await client.query("CREATE UNIQUE INDEX bench_identity_bidx ON bench_identity (mrn_bidx)");
    await client.query("CREATE UNIQUE INDEX bench_identity_plain ON bench_identity (mrn_plain)");
    await client.query("VACUUM ANALYZE bench_identity");
    console.log(`\nblind-index: ${rows.toLocaleString("en-US")} rows loaded and indexed in ${((Date.now() - loadStart) / 1000).toFixed(1)} s (HMAC computed ${inSql ? "in SQL with pgcrypto" : "in Node"})`);

    // The SQL HMAC must be the one the app computes, or the benchmark would look up values nobody stores.
    for (const n of [1, Math.ceil(rows / 2), rows]) {
      const { rows: found } = await client.query("SELECT id FROM bench_identity WHERE mrn_bidx = $1", [blindIndex("mrn", mrnOf(n))]);
      if (found.length !== 1) throw new Error(`blind-index: stored HMAC for ${mrnOf(n)} does not match lib/crypto/blind-index.ts`);
    }

    // Random targets, same sequence for both sides; named statements so both skip re-planning alike.
    const warmup = Math.round(lookups / 10);
    const targets = Array.from({ length: warmup + lookups }, () => mrnOf(1 + Math.floor(Math.random() * rows)));
    let a = 0;
    let b = 0;
    const blind = async () => {
      const mrn = targets[a++]!;
      const res = await client.query({ name: "by-bidx", text: "SELECT id FROM bench_identity WHERE mrn_bidx = $1", values: [blindIndex("mrn", mrn)] });
      if (res.rowCount !== 1) throw new Error(`blind-index: ${mrn} not found`);
    };
    const plain = async () => {
      const mrn = targets[b++]!;
      const res = await client.query({ name: "by-plain", text: "SELECT id FROM bench_identity WHERE mrn_plain = $1", values: [mrn] });
      if (res.rowCount !== 1) throw new Error(`blind-index: ${mrn} not found`);
    };
    const [blindMs, plainMs] = await timePair(blind, plain, { warmup, iterations: lookups });

    // The Node half of the blind lookup on its own, to show how much of the difference is the HMAC.
    const hmacMs: number[] = [];
    for (const mrn of targets.slice(warmup)) {
      const start = process.hrtime.bigint();
      blindIndex("mrn", mrn);
      hmacMs.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    const bidxBytes = await indexBytes(client, "bench_identity_bidx");
    const plainBytes = await indexBytes(client, "bench_identity_plain");

    const s = stats(blindMs);
    const p = stats(plainMs);
    const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;
    console.log(`blind-index: ${lookups} random lookups each (interleaved)`);
    printTable(
      ["lookup", "p50", "p95", "mean", "index size"],
      [
        ["blind (blindIndex + SELECT by mrn_bidx)", ms(s.p50), ms(s.p95), ms(s.mean), mb(bidxBytes)],
        ["plain (SELECT by mrn_plain)", ms(p.p50), ms(p.p95), ms(p.mean), mb(plainBytes)],
        ["ratio", ratio(s.p50 / p.p50), ratio(s.p95 / p.p95), ratio(s.mean / p.mean), ratio(bidxBytes / plainBytes)],
        ["of which blindIndex() alone", ms(percentile(hmacMs, 50)), ms(percentile(hmacMs, 95)), ms(stats(hmacMs).mean), ""],
      ],
    );
    return [
      { benchmark: "blind-index", measure: `p50 lookup in ${rows.toLocaleString("en-US")}`, ours: ms(s.p50), baseline: ms(p.p50), ratio: s.p50 / p.p50 },
      { benchmark: "blind-index", measure: `p95 lookup in ${rows.toLocaleString("en-US")}`, ours: ms(s.p95), baseline: ms(p.p95), ratio: s.p95 / p.p95 },
      { benchmark: "blind-index", measure: "index size", ours: mb(bidxBytes), baseline: mb(plainBytes), ratio: bidxBytes / plainBytes },
    ];
  } finally {
    await client.end();
    await db.drop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
