/**
 * Audit log: append throughput with 1, 8 and 32 concurrent writers (each its own audit-only transaction, and
 * at 32 an interactive one; the sealer running beside them, counted until every event is sealed) against a plain insert of the same rows;
 * sealer throughput; verification speed over 1,000,000 events against a plain read of them; p95 of the
 * auditor's filtered query over those events against the same SQL without the service layer.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { noRequest } from "@/lib/access/actor";
import { GENESIS_HASH, sealHash, writerMac, type EventContent } from "@/lib/audit/hashes";
import { sealAll, startSealer } from "@/lib/audit/sealer";
import { verifyAuditLog } from "@/lib/audit/verify";
import { keyProvider } from "@/lib/crypto/keys";
import { disconnectPrisma } from "@/lib/db/client";
import { prepareDatabase } from "@/lib/db/prepare";
import { recordSystemEvents, withSystem } from "@/lib/db/transaction";
import { searchAuditEvents } from "@/lib/services/audit-log";
import { actorOf, makeUser } from "@/tests/helpers/fixtures";
import { percentile, printTable, ratio, scaled, scratchDatabase, type SummaryRow } from "./support";

const actions = ["chart.read", "patient.list", "record.create", "auth.sign_in", "consent.grant", "access.denied"];

async function throughput(writers: number, perWriter: number, write: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await Promise.all(Array.from({ length: writers }, async () => {
    for (let i = 0; i < perWriter; i++) await write();
  }));
  return (writers * perWriter) / ((performance.now() - started) / 1000);
}

/**
 * n events written straight into the table (fixtures) as writers would write them; `sealed` also chains them
 * as the sealer would, so a million-event log loads in seconds.
 */
async function bulkLoad(url: string, n: number, patients: string[], sealed: boolean): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => undefined);
  await client.connect();
  const key = keyProvider().secret("auditHmac");
  const last = await client.query<{ chain_seq: string; hash: string }>("SELECT chain_seq, hash FROM audit_event WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1");
  let chainSeq = Number(last.rows[0]?.chain_seq ?? 0);
  let prev = last.rows[0]?.hash ?? GENESIS_HASH;
  const start = Date.now() - n * 1000;
  for (let done = 0; done < n; done += 1000) {
    const values: string[] = [];
    const params: unknown[] = [];
    for (let i = done; i < Math.min(n, done + 1000); i++) {
      const content: EventContent = {
        occurredAt: new Date(start + i * 1000).toISOString(), actorId: randomUUID(), actorRole: "clinician",
        action: actions[i % actions.length]!, resourceType: "patient", resourceId: null, patientPseudonym: patients[i % patients.length]!,
        outcome: i % 17 === 0 ? "denied" : "allowed", ip: "10.0.0.1", userAgent: "bench", requestId: null, details: { i },
        // Format v2 (raw address under the MAC): the stored rows carry no salt or digests.
        netSalt: null, ipDigest: null, userAgentDigest: null,
      };
      const mac = writerMac(key, content);
      const link = sealed ? [String(++chainSeq), prev, sealHash(key, prev, String(chainSeq), mac, true)] : [null, null, null];
      if (sealed) prev = link[2]!;
      const p = params.length;
      params.push(content.occurredAt, content.actorId, content.action, content.patientPseudonym, content.outcome, JSON.stringify(content.details), mac, ...link);
      values.push(`($${p + 1}::timestamptz, $${p + 2}::uuid, 'clinician', $${p + 3}, 'patient', NULL, $${p + 4}, $${p + 5}, '10.0.0.1', 'bench', NULL, $${p + 6}::jsonb, $${p + 7}, $${p + 8}::bigint, $${p + 9}, $${p + 10})`);
    }
    await client.query(`INSERT INTO audit_event (occurred_at, actor_id, actor_role, action, resource_type, resource_id,
      patient_pseudonym, outcome, ip, user_agent, request_id, details, writer_mac, chain_seq, prev_hash, hash) VALUES ${values.join(",")}`, params);
  }
  await client.query("ANALYZE audit_event");
  await client.end();
}

export async function run(): Promise<SummaryRow[]> {
  const db = await scratchDatabase("audit");
  process.env.DATABASE_URL = db.url;
  process.env.DATABASE_POOL_SIZE = "40";
  process.env.CUSTODIA_CHECKPOINT_DIR = `${process.env.CUSTODIA_KEY_DIR}/checkpoints`;
  const summary: SummaryRow[] = [];
  try {
    await prepareDatabase(db.url);
    const plain = new pg.Pool({ connectionString: db.url, max: 40 });
    plain.on("error", () => undefined);
    await plain.query("CREATE TABLE bench_plain_event (LIKE audit_event INCLUDING DEFAULTS)");
    const rows: string[][] = [];
    // Audit-only transactions (a refusal, a verification) go through recordEvents; a PHI read writes its event
    // as the last statement of its interactive transaction (withSystem/withActor), measured at 32 writers.
    const kinds = [
      ...[1, 8, 32].map((writers) => ({ writers, kind: "audit-only", write: () => recordSystemEvents(noRequest, [{ action: "bench.append", details: { writers } }]) })),
      { writers: 32, kind: "interactive", write: () => withSystem(noRequest, async ({ audit }) => audit({ action: "bench.append", details: { writers: 32 } })) },
    ];
    for (const { writers, kind, write } of kinds) {
      const per = scaled(Math.round(3200 / writers), 5);
      // As in the server: the sealer loop beside the writers, and the clock stops once all is sealed.
      const stopSealer = startSealer(250);
      const started = performance.now();
      await throughput(writers, per, write);
      await stopSealer();
      await sealAll();
      const chained = (writers * per) / ((performance.now() - started) / 1000);
      const unchained = await throughput(writers, per, () =>
        plain.query(`INSERT INTO bench_plain_event (occurred_at, action, outcome, details, writer_mac) VALUES (now(), 'bench.append', 'allowed', '{}', '')`),
      );
      rows.push([String(writers), kind, `${chained.toFixed(0)} /s`, `${unchained.toFixed(0)} /s`, ratio(unchained / chained)]);
      summary.push({ benchmark: "audit", measure: `append, ${writers} writers, ${kind}`, ours: `${chained.toFixed(0)} /s`, baseline: `${unchained.toFixed(0)} /s`, ratio: unchained / chained });
    }
    console.log("audit append: events per second (own audited transaction each, writer MAC, sealed by the sealer) vs plain insert");
    printTable(["writers", "transaction", "audited append, sealed", "plain insert", "slowdown"], rows);
    await plain.end();

    const patients = Array.from({ length: 5000 }, (_, i) => `psn_bench${String(i).padStart(16, "0")}`);
    const toSeal = scaled(100_000, 1000);
    await bulkLoad(db.url, toSeal, patients, false);
    const sealStart = performance.now();
    await sealAll(600_000);
    const sealRate = toSeal / ((performance.now() - sealStart) / 1000);
    console.log(`audit sealer: ${toSeal} committed events chained at ${sealRate.toFixed(0)} events/s`);
    summary.push({ benchmark: "audit", measure: `sealer, ${toSeal} events`, ours: `${sealRate.toFixed(0)} /s`, baseline: "3000 /s (goal)", ratio: 3000 / sealRate });

    const n = scaled(1_000_000, 1000);
    const loadStart = performance.now();
    await bulkLoad(db.url, n, patients, true);
    console.log(`audit: ${n} chained events loaded in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`);

    const verifyStart = performance.now();
    const verdict = await verifyAuditLog({ record: false });
    const verifySeconds = (performance.now() - verifyStart) / 1000;
    if (!verdict.ok) throw new Error(`bench log did not verify: ${JSON.stringify(verdict)}`);
    const reader = new pg.Client({ connectionString: db.url });
    reader.on("error", () => undefined);
    await reader.connect();
    const readStart = performance.now();
    for (let after = 0; ; ) {
      const page = await reader.query<{ seq: string }>("SELECT seq, details, hash FROM audit_event WHERE seq > $1 ORDER BY seq LIMIT 2000", [after]);
      if (page.rows.length === 0) break;
      after = Number(page.rows.at(-1)!.seq);
    }
    const readSeconds = (performance.now() - readStart) / 1000;
    const events = verdict.events;
    console.log("audit verify: whole log");
    printTable(
      ["events", "verify", "plain keyset read", "slowdown"],
      [[String(events), `${(events / verifySeconds).toFixed(0)} events/s`, `${(events / readSeconds).toFixed(0)} events/s`, ratio(verifySeconds / readSeconds)]],
    );
    summary.push({ benchmark: "audit", measure: `verify ${events} events`, ours: `${(events / verifySeconds).toFixed(0)} /s`, baseline: `${(events / readSeconds).toFixed(0)} /s`, ratio: verifySeconds / readSeconds });

    const auditor = await makeUser("auditor");
    const filters = [
      { action: "chart.read" },
      { outcome: "denied" },
      { patient: patients[42]! },
      { action: "access.denied", patient: patients[7]! },
    ];
    const ours: number[] = [];
    const base: number[] = [];
    for (let i = 0; i < scaled(200, 20); i++) {
      const f = filters[i % filters.length]!;
      let t = performance.now();
      await searchAuditEvents(actorOf(auditor), f);
      ours.push(performance.now() - t);
      t = performance.now();
      await reader.query(
        `SELECT * FROM audit_event WHERE ($1::text IS NULL OR action = $1) AND ($2::text IS NULL OR outcome = $2)
         AND ($3::text IS NULL OR patient_pseudonym = $3) ORDER BY seq DESC LIMIT 51`,
        [("action" in f && f.action) || null, ("outcome" in f && f.outcome) || null, ("patient" in f && f.patient) || null],
      );
      base.push(performance.now() - t);
    }
    await reader.end();
    const p95 = percentile(ours, 95);
    const p95b = percentile(base, 95);
    console.log(`audit dashboard filter over ${events} events (p95)`);
    printTable(["query", "p50", "p95"], [
      ["searchAuditEvents (authorize + audited read)", `${percentile(ours, 50).toFixed(2)} ms`, `${p95.toFixed(2)} ms`],
      ["same filter, plain SQL", `${percentile(base, 50).toFixed(2)} ms`, `${p95b.toFixed(2)} ms`],
    ]);
    summary.push({ benchmark: "audit", measure: `filter p95 over ${events}`, ours: `${p95.toFixed(2)} ms`, baseline: `${p95b.toFixed(2)} ms`, ratio: p95 / p95b });
    return summary;
  } finally {
    await disconnectPrisma();
    await db.drop();
  }
}
