import { stringify } from "csv-stringify/sync";

/** Spreadsheet formula injection: a cell starting with = + - @ (or tab/CR) is prefixed so it stays text. */
export function neutralizeCell(value: unknown): string {
  const text = value === null || value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

export function csvLine(cells: unknown[]): string {
  return stringify([cells.map(neutralizeCell)]);
}
