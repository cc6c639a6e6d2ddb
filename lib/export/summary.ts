import "server-only";

export interface SummaryLine {
  name: string;
  about: string;
  rows: number;
}

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/**
 * A page a person can open before any spreadsheet (issue 13 item 7): whose data this is, when it was taken,
 * and what each file holds with how many rows. Written last, so the counts are the files' own. Everything
 * from the record is escaped: a name is text, never markup.
 */
export function summaryHtml(input: { name: string; exportedAt: string; files: SummaryLine[] }): string {
  const rows = input.files
    .map((f) => `<tr><td>${escape(f.name)}</td><td>${escape(f.about)}</td><td>${f.rows === 0 ? "none" : f.rows.toLocaleString("en-US")}</td></tr>`)
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Your data from Custodia</title>
<style>body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;line-height:1.5}table{border-collapse:collapse;width:100%}th,td{border:1px solid #999;padding:.4rem;text-align:left;vertical-align:top}</style>
</head><body>
<h1>Your data from Custodia</h1>
<p>This download holds everything we keep about ${escape(input.name)}, taken on ${escape(input.exportedAt.replace("T", " ").slice(0, 16))} UTC.</p>
<p>Each file below opens in a spreadsheet program (Excel, Numbers, LibreOffice). Dates are written year-month-day; times are in UTC.
A corrected entry appears once for each version, so you can see what changed. The reference columns at the end of each file are our
internal numbers; quote them if you ask us about an entry.</p>
<table><caption>What is in this download</caption>
<thead><tr><th scope="col">File</th><th scope="col">What it holds</th><th scope="col">Rows</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p>To move your record to another health service, use the FHIR download on the same page instead: it is the format health systems read.</p>
</body></html>
`;
}
