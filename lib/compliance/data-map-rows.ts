import { dataCategories, dataMap, legalBases, type DataMap } from "@/prisma/data-map";

/** One column of the records of processing with its table's purpose, basis, retention and recipients: what the page and exports show. */
export interface DataMapRow {
  table: string;
  tableDescription: string;
  column: string;
  category: string;
  purpose: string;
  legalBasis: string;
  retention: string;
  encrypted: boolean;
  recipients: string;
}

export const dataMapColumns: (keyof DataMapRow)[] = [
  "table", "tableDescription", "column", "category", "purpose", "legalBasis", "retention", "encrypted", "recipients",
];

/** Tables and columns in name order, so two exports of the same map are byte-identical. */
export function dataMapRows(map: DataMap = dataMap): DataMapRow[] {
  return Object.entries(map)
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([table, t]) =>
      Object.entries(t.columns)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([column, c]) => ({
          table,
          tableDescription: t.description,
          column,
          category: dataCategories[c.category],
          purpose: t.purpose,
          legalBasis: legalBases[t.legalBasis],
          retention: t.retention,
          encrypted: c.encrypted,
          recipients: t.recipients.join("; "),
        })),
    );
}

/** Every annotated column as "table.column". */
export function annotatedColumns(map: DataMap = dataMap): string[] {
  return Object.entries(map).flatMap(([table, t]) => Object.keys(t.columns).map((column) => `${table}.${column}`));
}
