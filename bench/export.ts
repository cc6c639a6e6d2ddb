/**
 * Patient export (issue: privacy center): time and peak memory for 100, 10,000 and 100,000 records, JSON and
 * FHIR. Records are bulk-inserted as real ciphertext under the patient's key (fixtures, not the door under
 * test); the export itself runs through the service layer exactly as the route handler does.
 * Run: npm run bench -- export   (BENCH_SCALE=0.1 for a quick run)
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { encryptJson } from "@/lib/crypto/field";
import { noRequest } from "@/lib/access/actor";
import { unwrapDataKey } from "@/lib/crypto/envelope";
import { renderExport } from "@/lib/export/render";
import { disconnectPrisma } from "@/lib/db/client";
import { withSystem } from "@/lib/db/transaction";
import { prepareDatabase } from "@/lib/db/prepare";
import { openExport, type ExportFormat } from "@/lib/services/export";
import { actorOf, makeUser } from "@/tests/helpers/fixtures";

const server = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const scale = Number(process.env.BENCH_SCALE ?? 1);
const sizes = (process.env.BENCH_SIZES ?? "100,10000,100000").split(",").map(Number).map((n) => Math.max(10, Math.round(n * scale)));

async function scratch(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `custodia_bench_export_${Date.now()}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

async function bulkRecords(url: string, patientId: string, dek: Buffer, count: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  for (let done = 0; done < count; done += 1000) {
    const values: string[] = [];
    const params: unknown[] = [];
    for (let i = done; i < Math.min(count, done + 1000); i++) {
      const id = randomUUID();
      const content = { kind: "observation", date: "2026-01-01", code: "8867-4", display: "Heart rate", value: 60 + (i % 40), unit: "/min" };
      params.push(id, id, patientId, encryptJson(dek, "d", content, { table: "clinical_record", column: "content_enc", rowId: id }));
      const b = params.length;
      values.push(`($${b - 3}::uuid, $${b - 2}::uuid, 1, $${b - 1}::uuid, 'observation', $${b})`);
    }
    await client.query(`INSERT INTO clinical_record (id, entry_id, version, patient_id, kind, content_enc) VALUES ${values.join(",")}`, params);
  }
  // Fresh statistics, as autovacuum would have gathered for records that accumulated over years; without
  // them the planner takes the new table for tiny and scans every remaining record per page.
  await client.query("ANALYZE clinical_record");
  await client.end();
}

async function measure(user: Awaited<ReturnType<typeof makeUser>>, format: ExportFormat): Promise<{ ms: number; peakMb: number; bytes: number }> {
  global.gc?.();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  // Sampled on a timer, not per chunk: process.memoryUsage() costs enough to dominate a per-record loop.
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
  const started = performance.now();
  let bytes = 0;
  for await (const chunk of renderExport(await openExport(actorOf(user), format), format)) {
    bytes += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.byteLength;
  }
  clearInterval(sampler);
  return { ms: performance.now() - started, peakMb: (peak - base) / 1_048_576, bytes };
}

export async function run(): Promise<void> {
  const db = await scratch();
  process.env.DATABASE_URL = db.url;
  process.env.EXPORTS_PER_HOUR = "1000";
  try {
    await prepareDatabase(db.url);
    console.log("export: records | format | time (ms) | per record (µs) | peak heap growth (MB) | output (MB)");
    const rows: { n: number; format: string; ms: number; peakMb: number }[] = [];
    for (const n of sizes) {
      const user = await makeUser("patient");
      // The patient's real data key, unwrapped as the service would; the records are written under it.
      const key = await withSystem(noRequest, ({ tx }) => tx.patientKey.findUniqueOrThrow({ where: { patientId: user.patientId! } }));
      await bulkRecords(db.url, user.patientId!, unwrapDataKey(user.patientId!, key.dekWrapped), n);
      for (const format of ["json", "fhir"] as const) {
        const m = await measure(user, format);
        rows.push({ n, format, ms: m.ms, peakMb: m.peakMb });
        console.log(`export: ${n} | ${format} | ${m.ms.toFixed(0)} | ${((m.ms * 1000) / n).toFixed(1)} | ${m.peakMb.toFixed(1)} | ${(m.bytes / 1_048_576).toFixed(1)}`);
      }
    }
    for (const format of ["json", "fhir"]) {
      const small = rows.find((r) => r.format === format && r.n === sizes[0])!;
      const large = rows.find((r) => r.format === format && r.n === sizes[2])!;
      console.log(
        `export ratio (${format}): ${sizes[2]! / sizes[0]!}x the records took ${(large.ms / small.ms).toFixed(0)}x the time and ${(large.peakMb / Math.max(small.peakMb, 0.1)).toFixed(1)}x the peak heap`,
      );
    }
  } finally {
    await disconnectPrisma();
    await db.drop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
