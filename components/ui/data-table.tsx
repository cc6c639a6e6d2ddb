import type { ReactNode } from "react";

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  className?: string;
}

/**
 * One table for every list of rows. From the md breakpoint up it is an ordinary table; on a phone each row
 * becomes a stacked card whose cells carry their column name (the data-label pseudo-element), so no column
 * falls off-screen and the page never grows wider than the viewport. The explicit roles keep the table
 * semantics that Chromium drops once a table's display is changed. With no rows it renders nothing: the
 * caller says what an empty list means and what to do about it.
 */
export function DataTable<T>({ caption, rows, columns, rowKey }: { caption: string; rows: T[]; columns: Column<T>[]; rowKey: (row: T, index: number) => string }) {
  if (rows.length === 0) return null;
  return (
    <table role="table" className="block w-full text-left text-sm md:table">
      <caption className="sr-only">{caption}</caption>
      <thead role="rowgroup" className="hidden md:table-header-group">
        <tr role="row" className="border-b">
          {columns.map((c) => (
            <th role="columnheader" scope="col" key={c.header} className="py-2 pr-3">
              {c.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody role="rowgroup" className="block space-y-2 md:table-row-group md:space-y-0">
        {rows.map((row, i) => (
          <tr
            role="row"
            key={rowKey(row, i)}
            className="block rounded-md border border-slate-200 p-3 md:table-row md:rounded-none md:border-0 md:border-b md:p-0 md:last:border-0"
          >
            {columns.map((c) => (
              <td
                role="cell"
                key={c.header}
                data-label={c.header}
                className={`flex gap-2 py-0.5 break-words before:w-28 before:shrink-0 before:font-medium before:text-slate-700 before:content-[attr(data-label)] md:table-cell md:py-2 md:pr-3 md:before:content-none ${c.className ?? ""}`}
              >
                <span className="min-w-0">{c.cell(row)}</span>
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
