import "server-only";
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { noRequest, type RequestMeta } from "@/lib/access/actor";
import { config } from "@/lib/config";
import { withSystem } from "@/lib/db/transaction";
import { log } from "@/lib/ops/log";

/**
 * The erasure ledger has two copies. The database's `erasure_ledger` is the source of truth: it commits with
 * the erasure itself. The file (CUSTODIA_ERASURE_LEDGER, kept off the database host) is written from it, so that
 * a restore from a backup taken before an erasure can still learn of it. Replay reads both.
 */
export interface LedgerEntry {
  patientPseudonym: string;
  requestId: string;
  erased: string[];
  retained: string[];
  retainedUntil: string;
  erasedAt: string;
}

export function ledgerFile(): string {
  return config().erasureLedgerFile;
}

/** The file's text, empty when there is none yet. */
function ledgerText(): string {
  // A configured path outside the app bundle; turbopackIgnore keeps the build from tracing the whole project.
  return existsSync(/*turbopackIgnore: true*/ ledgerFile()) ? readFileSync(/*turbopackIgnore: true*/ ledgerFile(), "utf8") : "";
}

function parseLedger(text: string): LedgerEntry[] {
  // A line torn by a crash mid-append is skipped: its entry is still in the database, and the next sync appends it again.
  return text.split("\n").filter(Boolean).flatMap((line) => {
    try {
      return [JSON.parse(line) as LedgerEntry];
    } catch {
      log().warn("erasure ledger file: a torn line skipped");
      return [];
    }
  });
}

export function readLedgerFile(): LedgerEntry[] {
  return parseLedger(ledgerText());
}

export async function databaseLedger(request: RequestMeta = noRequest): Promise<LedgerEntry[]> {
  const rows = await withSystem(request, ({ tx }) => tx.erasureLedger.findMany({ orderBy: { erasedAt: "asc" } }));
  return rows.map((r) => ({
    patientPseudonym: r.patientPseudonym,
    requestId: r.requestId,
    erased: r.erased as string[],
    retained: r.retained as string[],
    retainedUntil: (r.retainedUntil ?? r.erasedAt).toISOString(),
    erasedAt: r.erasedAt.toISOString(),
  }));
}

/** Both copies, one entry per patient: what replay erases again. */
export async function mergedLedger(request: RequestMeta = noRequest): Promise<Map<string, LedgerEntry>> {
  const merged = new Map(readLedgerFile().map((e) => [e.patientPseudonym, e]));
  for (const entry of await databaseLedger(request)) if (!merged.has(entry.patientPseudonym)) merged.set(entry.patientPseudonym, entry);
  return merged;
}

/**
 * Makes the file hold every database entry: the missing ones appended (O_APPEND, synced) and the file read back
 * and checked. Only ever appended to, never rewritten, so writers in several processes at once (each instance
 * after an erasure, the sync job, every backup) can at worst write an entry twice, never drop one. Entries only
 * the file has stay: after a restore of an older database they are the ones that matter. Returns how many
 * entries it added.
 */
export async function syncLedgerFile(request: RequestMeta = noRequest): Promise<number> {
  const before = ledgerText();
  const known = new Set(parseLedger(before).map((e) => e.patientPseudonym));
  const database = await databaseLedger(request);
  const missing = database.filter((e) => !known.has(e.patientPseudonym));
  if (missing.length === 0) return 0;
  const path = /*turbopackIgnore: true*/ ledgerFile();
  mkdirSync(dirname(path), { recursive: true });
  // After a torn append the file may not end with a newline: start on a line of our own.
  const torn = before !== "" && !before.endsWith("\n");
  const fd = openSync(path, "a", 0o600);
  try {
    writeSync(fd, (torn ? "\n" : "") + missing.map((e) => `${JSON.stringify(e)}\n`).join(""));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const written = new Set(readLedgerFile().map((e) => e.patientPseudonym));
  const still = database.filter((e) => !written.has(e.patientPseudonym)).length;
  if (still > 0) throw new Error(`the erasure ledger file still lacks ${still} entries after appending them`);
  return missing.length;
}

/** Retry delays after a failed write; after the last, the scheduled job `erasure-ledger-sync` and every backup run try again. */
export const LEDGER_RETRY_MS = [1_000, 5_000, 30_000, 120_000];

/**
 * After an erasure commits: the file is brought up to date now, or, if that fails (disk full, mount gone),
 * retried in the background. Never throws: the erasure is done and recorded in the database either way.
 */
export async function syncLedgerFileAfterCommit(attempt = 0): Promise<void> {
  try {
    await syncLedgerFile();
  } catch (error) {
    const delay = LEDGER_RETRY_MS[attempt];
    log().error({ err: error, retryInMs: delay ?? null }, "erasure ledger file not written; the database ledger has the entry");
    if (delay === undefined) return;
    setTimeout(() => void syncLedgerFileAfterCommit(attempt + 1), delay).unref();
  }
}
