import "server-only";
import { Zip, ZipDeflate } from "fflate";
import { auditEventResource, clinicalResource, consentResource, patientResource, type ExportIdentity } from "@/lib/fhir/resources";
import { csvLine } from "@/lib/http/csv";
import { accessFile, consentFile, identityFile, recordFiles, requestsFile, SUMMARY_FILE, type CsvFile } from "./csv-files";
import { summaryHtml, type SummaryLine } from "./summary";
import type { AccessEntry } from "@/lib/services/access-log";
import type { ConsentHistoryEntry } from "@/lib/services/consent";
import type { RequestView } from "@/lib/services/data-requests";
import type { ExportFormat, ExportPart, ExportRecord, ExportSource } from "@/lib/services/export";
import { clinicalKindSchema, type ClinicalKind } from "@/lib/validation/patient";

interface Head {
  identity: ExportIdentity;
  consent: ConsentHistoryEntry[];
  requests: RequestView[];
}

/** The export's parts split: the small head, then records and access-log pages, each as it is read. */
interface Split {
  head: Head;
  records: AsyncGenerator<ExportRecord>;
  access: () => AsyncGenerator<AccessEntry>;
  /** Ends the snapshot, also when the renderer stops early (the client went away). */
  close: () => Promise<unknown>;
}

async function split(source: ExportSource): Promise<Split> {
  const parts = source.parts();
  const next = async <K extends ExportPart["part"]>(part: K): Promise<Extract<ExportPart, { part: K }>> => {
    const item = await parts.next();
    if (item.done || item.value.part !== part) throw new Error(`export: expected the ${part} part`);
    return item.value as Extract<ExportPart, { part: K }>;
  };
  const head = { identity: (await next("identity")).identity, consent: (await next("consent")).entries, requests: (await next("requests")).entries };
  // Records come before the access log; the first access page read while records are iterated is kept for it.
  let pending: AccessEntry[] | null = null;
  async function* records(): AsyncGenerator<ExportRecord> {
    for (let item = await parts.next(); !item.done; item = await parts.next()) {
      if (item.value.part === "record") yield item.value.record;
      else if (item.value.part === "access") return void (pending = item.value.entries);
    }
  }
  async function* access(): AsyncGenerator<AccessEntry> {
    if (pending) yield* pending;
    for (let item = await parts.next(); !item.done; item = await parts.next()) {
      if (item.value.part === "access") yield* item.value.entries;
    }
  }
  return { head, records: records(), access, close: () => parts.return(undefined) };
}

/** Each renderer yields text or bytes as it goes; nothing holds the whole export in memory. */
async function* json(source: ExportSource): AsyncGenerator<string> {
  const { head, records, access, close } = await split(source);
  try {
    const opening = JSON.stringify({ exportedAt: new Date().toISOString(), ...head });
    yield `${opening.slice(0, -1)},"records":[`;
    let first = true;
    for await (const record of records) {
      yield `${first ? "" : ","}\n${JSON.stringify(record)}`;
      first = false;
    }
    yield '\n],"accessLog":[';
    first = true;
    for await (const entry of access()) {
      yield `${first ? "" : ","}\n${JSON.stringify(entry)}`;
      first = false;
    }
    yield "\n]}\n";
  } finally {
    await close();
  }
}

async function* fhir(source: ExportSource): AsyncGenerator<string> {
  const { head, records, access, close } = await split(source);
  try {
    const patientId = head.identity.patientId;
    const entry = (resource: { resourceType: string; id: string }) =>
      JSON.stringify({ fullUrl: `urn:uuid:${resource.id}`, resource });
    yield `{"resourceType":"Bundle","type":"collection","timestamp":"${new Date().toISOString()}","entry":[\n`;
    yield entry(patientResource(head.identity));
    for await (const r of records) yield `,\n${entry(clinicalResource(r.recordId, patientId, r.content))}`;
    for (const c of head.consent) yield `,\n${entry(consentResource(crypto.randomUUID(), patientId, c.purpose, c.decision, c.at))}`;
    for await (const a of access()) yield `,\n${entry(auditEventResource(crypto.randomUUID(), a.at, a.who, a.role, a.what))}`;
    yield "\n]}\n";
  } finally {
    await close();
  }
}

/** One CSV file per category, named and headed for people, zipped with a summary page; every cell is formula-neutralised. */
async function* csvZip(source: ExportSource): AsyncGenerator<Uint8Array> {
  const { head, records, access, close } = await split(source);
  try {
    const out: Uint8Array[] = [];
    const zip = new Zip((error, chunk) => {
      if (error) throw error;
      out.push(chunk);
    });
    const drain = function* () {
      yield* out.splice(0);
    };
    const written: SummaryLine[] = [];
    /** Opens one file with its headings; each write adds rows; `end` closes it and counts it for the summary. */
    const open = <T>(spec: CsvFile<T>) => {
      const f = new ZipDeflate(spec.name, { level: 6 });
      zip.add(f);
      const line = { name: spec.name, about: spec.about, rows: 0 };
      written.push(line);
      f.push(new TextEncoder().encode(csvLine(spec.columns)));
      return {
        write: (items: T[]) => {
          line.rows += items.length;
          f.push(new TextEncoder().encode(items.map((item) => csvLine(spec.row(item))).join("")));
        },
        end: () => f.push(new Uint8Array(0), true),
      };
    };
    const whole = <T>(spec: CsvFile<T>, items: T[]) => {
      const file = open(spec);
      file.write(items);
      file.end();
    };
    whole(identityFile, [head.identity]);
    yield* drain();
    // Records arrive grouped by kind, alphabetically by kind code: one file each, empty kinds included.
    const kinds = [...clinicalKindSchema.options].sort();
    let current: { kind: ClinicalKind; file: ReturnType<typeof open<ExportRecord>> } | null = null;
    const closeUpTo = (kind: ClinicalKind | null) => {
      while (kinds.length > 0 && kinds[0] !== kind) {
        (current ?? { file: open(recordFiles[kinds[0]!]) }).file.end();
        current = null;
        kinds.shift();
      }
    };
    for await (const r of records) {
      if (kinds[0] !== r.kind) closeUpTo(r.kind);
      current ??= { kind: r.kind, file: open(recordFiles[r.kind]) };
      current.file.write([r]);
      yield* drain();
    }
    closeUpTo(null);
    yield* drain();
    whole(consentFile, head.consent);
    whole(requestsFile, head.requests);
    yield* drain();
    const log = open(accessFile);
    for await (const entry of access()) {
      log.write([entry]);
      yield* drain();
    }
    log.end();
    const summary = new ZipDeflate(SUMMARY_FILE, { level: 6 });
    zip.add(summary);
    const name = `${head.identity.givenName} ${head.identity.familyName}`;
    summary.push(new TextEncoder().encode(summaryHtml({ name, exportedAt: new Date().toISOString(), files: written })), true);
    zip.end();
    yield* drain();
  } finally {
    await close();
  }
}

export function renderExport(source: ExportSource, format: ExportFormat): AsyncGenerator<string | Uint8Array> {
  return format === "json" ? json(source) : format === "fhir" ? fhir(source) : csvZip(source);
}

export const exportContentType: Record<ExportFormat, { type: string; file: string }> = {
  json: { type: "application/json", file: "my-data.json" },
  fhir: { type: "application/fhir+json", file: "my-data.fhir.json" },
  csv: { type: "application/zip", file: "my-data-csv.zip" },
};
