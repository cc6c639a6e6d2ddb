import { Zip, ZipDeflate } from "fflate";
import { auditEventResource, clinicalResource, consentResource, patientResource } from "@/lib/fhir/resources";
import { csvLine } from "@/lib/http/csv";
import type { ExportFormat, ExportSource } from "@/lib/services/export";
import { clinicalKindSchema } from "@/lib/validation/patient";

/** Each renderer yields text or bytes as it goes; nothing holds the whole export in memory. */
async function* json(source: ExportSource): AsyncGenerator<string> {
  const { identity, consent, requests, accessLog } = source;
  const head = JSON.stringify({ exportedAt: new Date().toISOString(), identity, consent, requests, accessLog });
  yield `${head.slice(0, -1)},"records":[`;
  let first = true;
  for await (const record of source.records()) {
    yield `${first ? "" : ","}\n${JSON.stringify(record)}`;
    first = false;
  }
  yield "\n]}\n";
}

async function* fhir(source: ExportSource): AsyncGenerator<string> {
  const patientId = source.identity.patientId;
  const entry = (resource: { resourceType: string; id: string }) =>
    JSON.stringify({ fullUrl: `urn:uuid:${resource.id}`, resource });
  yield `{"resourceType":"Bundle","type":"collection","timestamp":"${new Date().toISOString()}","entry":[\n`;
  yield entry(patientResource(source.identity));
  for await (const r of source.records()) yield `,\n${entry(clinicalResource(r.recordId, patientId, r.content))}`;
  for (const c of source.consent) yield `,\n${entry(consentResource(crypto.randomUUID(), patientId, c.purpose, c.decision, c.at))}`;
  for (const a of source.accessLog) yield `,\n${entry(auditEventResource(crypto.randomUUID(), a.at, a.who, a.role, a.what))}`;
  yield "\n]}\n";
}

const contentColumns: Record<string, string[]> = {
  encounter: ["date", "type", "reason"],
  observation: ["date", "code", "display", "value", "unit"],
  note: ["date", "title", "text"],
  prescription: ["date", "medication", "dosage"],
  allergy: ["date", "substance", "reaction"],
};

/** One CSV file per category, zipped; every cell is formula-neutralised. */
async function* csvZip(source: ExportSource): AsyncGenerator<Uint8Array> {
  const out: Uint8Array[] = [];
  const zip = new Zip((error, chunk) => {
    if (error) throw error;
    out.push(chunk);
  });
  const file = (name: string) => {
    const f = new ZipDeflate(name, { level: 6 });
    zip.add(f);
    return (text: string, final = false) => f.push(new TextEncoder().encode(text), final);
  };
  const drain = function* () {
    yield* out.splice(0);
  };
  const identity = file("identity.csv");
  identity(csvLine(Object.keys(source.identity)) + csvLine(Object.values(source.identity)), true);
  yield* drain();
  for (const kind of clinicalKindSchema.options) {
    const write = file(`${kind}s.csv`);
    write(csvLine(["recordId", "entryId", "version", "recordedAt", ...contentColumns[kind]!]));
    for await (const r of source.records(kind)) {
      const content = r.content as unknown as Record<string, unknown>;
      write(csvLine([r.recordId, r.entryId, r.version, r.recordedAt, ...contentColumns[kind]!.map((c) => content[c])]));
      yield* drain();
    }
    write("", true);
    yield* drain();
  }
  const tables: [string, Record<string, unknown>[]][] = [
    ["consent.csv", source.consent as unknown as Record<string, unknown>[]],
    ["requests.csv", source.requests.map((r) => ({ ...r, history: r.history.length })) as unknown as Record<string, unknown>[]],
    ["access-log.csv", source.accessLog as unknown as Record<string, unknown>[]],
  ];
  for (const [name, rows] of tables) {
    const write = file(name);
    const columns = rows[0] ? Object.keys(rows[0]) : ["none"];
    write(csvLine(columns) + rows.map((row) => csvLine(columns.map((c) => row[c]))).join(""), true);
    yield* drain();
  }
  zip.end();
  yield* drain();
}

export function renderExport(source: ExportSource, format: ExportFormat): AsyncGenerator<string | Uint8Array> {
  return format === "json" ? json(source) : format === "fhir" ? fhir(source) : csvZip(source);
}

export const exportContentType: Record<ExportFormat, { type: string; file: string }> = {
  json: { type: "application/json", file: "my-data.json" },
  fhir: { type: "application/fhir+json", file: "my-data.fhir.json" },
  csv: { type: "application/zip", file: "my-data-csv.zip" },
};
