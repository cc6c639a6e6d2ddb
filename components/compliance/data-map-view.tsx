import { Card } from "@/components/ui/card";
import { DataTable } from "@/components/ui/data-table";
import type { DataMapRow } from "@/lib/services/data-map";

/** The records of processing grouped by table: the table's purpose, basis, retention and recipients, then its columns. */
export function DataMapView({ rows }: { rows: DataMapRow[] }) {
  // Rows arrive ordered by table; Map.groupBy would need Node 21.
  const tables = new Map<string, DataMapRow[]>();
  for (const row of rows) tables.set(row.table, [...(tables.get(row.table) ?? []), row]);
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Records of processing</h1>
      <p className="text-sm text-slate-700">
        Every table and column of the database: what kind of data it holds, why, on what legal basis, for how long, whether it is stored
        encrypted, and who receives it (GDPR Art. 30). It is generated from the annotation file next to the database schema, and the test
        suite fails when a column has no entry.
      </p>
      <p className="flex flex-wrap gap-4 text-sm">
        <a className="underline" href="/api/data-map?format=csv" download>
          Download as CSV
        </a>
        <a className="underline" href="/api/data-map?format=json" download>
          Download as JSON
        </a>
      </p>
      {[...tables].map(([table, columns]) => {
        const first = columns[0]!;
        return (
          <Card key={table}>
            <section aria-labelledby={`table-${table}`} className="space-y-3 text-sm">
              <h2 id={`table-${table}`} className="text-lg font-semibold">
                <span className="font-mono break-all">{table}</span>: {first.tableDescription}
              </h2>
              <dl className="grid gap-x-6 gap-y-1 sm:grid-cols-2">
                <div>
                  <dt className="text-slate-600">Purpose</dt>
                  <dd>{first.purpose}</dd>
                </div>
                <div>
                  <dt className="text-slate-600">Legal basis</dt>
                  <dd>{first.legalBasis}</dd>
                </div>
                <div>
                  <dt className="text-slate-600">Retention</dt>
                  <dd>{first.retention}</dd>
                </div>
                <div>
                  <dt className="text-slate-600">Recipients</dt>
                  <dd>{first.recipients}</dd>
                </div>
              </dl>
              {/* Closed by default: 27 tables of columns on one page are a long scroll, and a heavy page to check. */}
              <details>
                <summary className="cursor-pointer underline">
                  Show its {columns.length} column{columns.length === 1 ? "" : "s"}
                  <span className="sr-only"> of {table}</span>
                </summary>
                <div className="mt-2">
                  <DataTable
                    caption={`Columns of ${table}`}
                    rows={columns}
                    rowKey={(c) => c.column}
                    columns={[
                      { header: "Column", cell: (c) => <span className="font-mono break-all">{c.column}</span> },
                      { header: "Category", cell: (c) => c.category },
                      { header: "Encrypted", cell: (c) => (c.encrypted ? "Yes" : "No") },
                    ]}
                  />
                </div>
              </details>
            </section>
          </Card>
        );
      })}
    </div>
  );
}
