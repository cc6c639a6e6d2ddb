/**
 * What the one door costs: getChart as a care-team clinician (authorization, transaction as the runtime role
 * under row-level security, bulk-access guard, data-key unwrap, decryption of identity and ~30 records, a
 * hash-chained audit event) against a plain Prisma read of the same rows on the superuser connection with
 * none of that. The plain read is a yardstick only: it is exactly the side window the style guide forbids.
 * Run: npm run bench -- chart-read
 */
import { disconnectPrisma, prisma } from "@/lib/db/client";
import { prepareDatabase } from "@/lib/db/prepare";
import { addRecord, getChart } from "@/lib/services/chart";
import type { ClinicalContent } from "@/lib/validation/patient";
import { actorOf, makeCareTeam, makeUser } from "@/tests/helpers/fixtures";
import { ms, prepareEnvironment, printTable, ratio, scaled, scratchDatabase, stats, timePair, type SummaryRow } from "./support";

const RECORDS = 30;

function content(i: number): ClinicalContent {
  const date = `2025-${String((i % 12) + 1).padStart(2, "0")}-${String((i % 28) + 1).padStart(2, "0")}`;
  switch (i % 4) {
    case 0:
      return { kind: "observation", date, code: "8867-4", display: "Heart rate", value: 60 + i, unit: "/min" };
    case 1:
      return { kind: "encounter", date, type: "Outpatient visit", reason: "Follow-up of hypertension, blood pressure review" };
    case 2:
      return { kind: "prescription", date, medication: "Lisinopril 10 mg tablet", dosage: "One tablet by mouth once daily" };
    default:
      return { kind: "note", date, title: "Progress note", text: `Patient reports feeling well. Visit ${i}. ${"Plan unchanged. ".repeat(8)}` };
  }
}

export async function run(): Promise<SummaryRow[]> {
  prepareEnvironment();
  const db = await scratchDatabase("chart");
  process.env.DATABASE_URL = db.url;
  try {
    await prepareDatabase(db.url);
    // Fixtures go through the services, as the app builds them; only the read under test differs.
    const clinician = await makeUser("clinician");
    const patient = await makeUser("patient");
    const patientId = patient.patientId!;
    await makeCareTeam([clinician.id], [patientId]);
    const actor = actorOf(clinician);
    for (let i = 0; i < RECORDS; i++) await addRecord(actor, { patientId, content: content(i) });

    const viaService = async () => {
      await getChart(actor, patientId);
    };
    const plain = async () => {
      const identity = await prisma().patientIdentity.findUnique({ where: { patientId } });
      const records = await prisma().clinicalRecord.findMany({ where: { patientId } });
      return { identity, records };
    };
    const chart = await getChart(actor, patientId);
    const raw = await plain();
    if (chart.entries.length !== RECORDS || raw.records.length !== RECORDS || !raw.identity) {
      throw new Error(`chart-read: expected ${RECORDS} records both ways, got ${chart.entries.length} and ${raw.records.length}`);
    }

    const iterations = scaled(1000, 20);
    const [serviceMs, plainMs] = await timePair(viaService, plain, {
      warmup: Math.max(5, Math.round(iterations / 10)),
      iterations,
    });
    const s = stats(serviceMs);
    const p = stats(plainMs);
    console.log(`\nchart-read: one patient, ${RECORDS} records, ${iterations} reads each (interleaved)`);
    printTable(
      ["read", "mean", "p50", "p95"],
      [
        ["getChart (clinician, audited, decrypted)", ms(s.mean), ms(s.p50), ms(s.p95)],
        ["plain Prisma (superuser, no decrypt/audit)", ms(p.mean), ms(p.p50), ms(p.p95)],
        ["ratio", ratio(s.mean / p.mean), ratio(s.p50 / p.p50), ratio(s.p95 / p.p95)],
      ],
    );
    return [
      { benchmark: "chart-read", measure: "mean per read", ours: ms(s.mean), baseline: ms(p.mean), ratio: s.mean / p.mean },
      { benchmark: "chart-read", measure: "p95 per read", ours: ms(s.p95), baseline: ms(p.p95), ratio: s.p95 / p.p95 },
    ];
  } finally {
    await disconnectPrisma();
    await db.drop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
