/**
 * npm run bench                      every benchmark, then one summary table of ratios
 * npm run bench -- chart-read export only those (names as below)
 * BENCH_SCALE=0.05 npm run bench     smoke run with shrunken sizes (figures not meaningful)
 * Needs a PostgreSQL server: BENCH_DATABASE_URL, else DATABASE_URL, else postgres@127.0.0.1:5432.
 */
import { prepareEnvironment, printTable, ratio, scale, type SummaryRow } from "./support";

// Before any benchmark module can reach keyProvider(), which caches the key directory it first sees.
prepareEnvironment();

const benchmarks: Record<string, () => Promise<{ run(): Promise<SummaryRow[] | void> }>> = {
  "field-cipher": () => import("./field-cipher"),
  "blind-index": () => import("./blind-index"),
  "chart-read": () => import("./chart-read"),
  export: () => import("./export"),
  audit: () => import("./audit"),
  load: () => import("./load"),
};

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(name in benchmarks));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(", ")}; choose from ${Object.keys(benchmarks).join(", ")}`);
  process.exit(2);
}

const summary: SummaryRow[] = [];
const started = Date.now();
console.log(`BENCH_SCALE=${scale} · node ${process.version}`);
for (const name of asked.length > 0 ? asked : Object.keys(benchmarks)) {
  const began = Date.now();
  try {
    const rows = await (await benchmarks[name]!()).run();
    if (rows) summary.push(...rows);
  } catch (error) {
    // One broken benchmark should not hide the others' figures; the exit code still says it failed.
    console.error(`\n${name} failed:`, error);
    process.exitCode = 1;
  }
  console.log(`(${name}: ${((Date.now() - began) / 1000).toFixed(1)} s)`);
}

console.log(`\nSummary (ratio = our cost / baseline cost; BENCH_SCALE=${scale}, ${((Date.now() - started) / 1000).toFixed(0)} s total)`);
printTable(
  ["benchmark", "measure", "ours", "baseline", "ratio"],
  summary.map((r) => [r.benchmark, r.measure, r.ours, r.baseline, ratio(r.ratio)]),
);
