/**
 * Shared by the benchmarks: environment, scratch databases, timing and the printed tables.
 * Benchmarks report ratios against a baseline measured in the same process and moment, never pass/fail
 * thresholds: absolute times depend on the machine, the ratio is what a change to our code moves.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { quoteIdent, withDatabase } from "@/lib/db/urls";

/** BENCH_SCALE=0.05 shrinks every size for a smoke run; the printed figures are only meaningful at 1. */
export const scale = Number(process.env.BENCH_SCALE ?? 1);

export function scaled(n: number, min = 10): number {
  return Math.max(min, Math.round(n * scale));
}

// Read before any benchmark points DATABASE_URL at its own scratch database.
const server = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

/**
 * Test-mode keys in a throwaway directory: a benchmark must never generate into, or read, the developer's
 * .keys/. Idempotent, and must run before the first keyProvider() call (it caches the provider).
 */
export function prepareEnvironment(): void {
  process.env.CUSTODIA_ENV ??= "test";
  if (!process.env.CUSTODIA_KEY_DIR) {
    const dir = mkdtempSync(join(tmpdir(), "custodia-bench-keys-"));
    process.env.CUSTODIA_KEY_DIR = dir;
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
}

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A new empty database on the real server (custodia_bench_<label>_<pid>); the caller drops it in finally. */
export async function scratchDatabase(label: string): Promise<ScratchDatabase> {
  const name = `custodia_bench_${label}_${process.pid}`;
  await admin(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${quoteIdent(name)}`);
  return { url: withDatabase(server, name), drop: () => admin(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`) };
}

const elapsedMs = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

/**
 * Times two async operations per iteration, alternating which goes first, so drift (a growing audit log,
 * cache warm-up, a noisy neighbour) lands on both sides instead of biasing one.
 */
export async function timePair(
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  { warmup, iterations }: { warmup: number; iterations: number },
): Promise<[number[], number[]]> {
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < warmup + iterations; i++) {
    const order = i % 2 === 0 ? ([0, 1] as const) : ([1, 0] as const);
    for (const side of order) {
      const start = process.hrtime.bigint();
      await (side === 0 ? a() : b());
      if (i >= warmup) times[side].push(elapsedMs(start));
    }
  }
  return times;
}

/**
 * Sync operations of a few microseconds: a timer call per op would be a visible part of the cost, so we
 * time batches and report the median batch rate (robust to a GC pause landing in one batch). Batches of
 * the two operations alternate for the same reason as in timePair.
 */
export function opsPerSecondPair(
  a: () => unknown,
  b: () => unknown,
  { batch, batches }: { batch: number; batches: number },
): [number, number] {
  const rates: [number[], number[]] = [[], []];
  const warmupBatches = Math.max(3, Math.round(batches / 10));
  for (let i = 0; i < warmupBatches + batches; i++) {
    for (const side of [0, 1] as const) {
      const op = side === 0 ? a : b;
      const start = process.hrtime.bigint();
      for (let j = 0; j < batch; j++) op();
      if (i >= warmupBatches) rates[side].push(batch / (elapsedMs(start) / 1000));
    }
  }
  return [percentile(rates[0], 50), percentile(rates[1], 50)];
}

/** Nearest-rank percentile. */
export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

export interface Stats {
  n: number;
  mean: number;
  p50: number;
  p95: number;
}

export function stats(samples: number[]): Stats {
  return {
    n: samples.length,
    mean: samples.reduce((sum, x) => sum + x, 0) / samples.length,
    p50: percentile(samples, 50),
    p95: percentile(samples, 95),
  };
}

/** One line of the final summary: ratio = our cost / the baseline's cost (2.0 = twice as slow). */
export interface SummaryRow {
  benchmark: string;
  measure: string;
  ours: string;
  baseline: string;
  ratio: number;
}

export function ms(value: number): string {
  return value >= 10 ? `${value.toFixed(1)} ms` : `${value.toFixed(3)} ms`;
}

export function rate(opsPerSecond: number): string {
  return `${Math.round(opsPerSecond).toLocaleString("en-US")} ops/s`;
}

export function ratio(value: number): string {
  return `${value.toFixed(2)}x`;
}

export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const row of rows) console.log(line(row));
}
