import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { config } from "@/lib/config";

/**
 * The default database when DATABASE_URL is unset: PGlite (PostgreSQL compiled to WASM) in this process,
 * served over the PostgreSQL wire protocol so the app, the migrator and Prisma connect exactly as they would
 * to a real server. Data lives in a git-ignored folder, or in memory for tests.
 *
 * Limits that callers must respect (one PGlite backend serves every connection, as one session):
 * - transactions are serialized: while one connection is inside BEGIN … COMMIT every other waits, so a
 *   transaction that awaits another connection's query never finishes;
 * - session state is shared: plain SET / SET ROLE, session advisory locks, temp tables and named prepared
 *   statements are visible to every connection (use SET LOCAL and set_config(..., true) inside transactions);
 * - the user and database in the URL are ignored: every connection is the superuser `postgres`.
 */
export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** A directory, or "memory"; defaults to `<CUSTODIA_DATA_DIR>/pglite`. */
  dataDir?: string | "memory";
  /** Defaults to CUSTODIA_EMBEDDED_PORT or 54329; 0 lets the OS choose (read back into `url`). */
  port?: number;
  host?: string;
}

/** PGlite has no lock of its own: two processes on one data directory silently lose writes. */
export class EmbeddedDatabaseInUse extends Error {
  constructor(
    readonly lockFile: string,
    readonly pid: number,
    readonly url: string | undefined,
  ) {
    super(`the embedded database is in use by process ${pid}${url ? ` at ${url}` : ""} (lock ${lockFile}); stop it, or delete the lock if that process is not a Custodia process`);
    this.name = "EmbeddedDatabaseInUse";
  }
}

type StreamOptions = Parameters<PGlite["execProtocolRawStream"]>[1];
const READY_STATUS = new Set([0x49, 0x54, 0x45]); // ReadyForQuery status: idle, in transaction, failed
const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]);

/**
 * pglite-socket keeps a connection's turn only while the backend is inside a transaction block
 * (electric-sql/pglite#1046). An extended-protocol batch (Parse, Bind, Execute … Sync) is not one, so when its
 * bytes arrive in several reads (a large parameter, a client in another process) another connection's Parse
 * can replace the unnamed statement in between, and the first connection silently runs the other's SQL with
 * its own parameters. Reporting "in a transaction" until the backend answers ReadyForQuery keeps batches whole.
 */
class BatchAtomicPGlite extends PGlite {
  #awaitingReady = false;

  override isInTransaction(): boolean {
    return this.#awaitingReady || super.isInTransaction();
  }

  override async execProtocolRawStream(message: Uint8Array, options: StreamOptions): Promise<void> {
    const tail: number[] = [];
    await super.execProtocolRawStream(message, {
      ...options,
      onRawData: (data) => {
        for (const byte of data.subarray(-6)) tail.push(byte);
        tail.splice(0, tail.length - 6);
        options.onRawData(data);
      },
    });
    // No output (Describe or Execute skipped after an error, CopyData): the batch is still open.
    if (tail.length > 0) this.#awaitingReady = !(tail.length === 6 && tail[0] === 0x5a && tail[4] === 5 && READY_STATUS.has(tail[5]!));
  }

  // The socket server cleans up after a client that vanished mid-batch with exec("ROLLBACK"); a backend
  // waiting for Sync (or skipping to it after an error) would swallow that and the next client's messages.
  override async exec(...args: Parameters<PGlite["exec"]>): ReturnType<PGlite["exec"]> {
    if (this.#awaitingReady) {
      this.#awaitingReady = false;
      await this.runExclusive(() => super.execProtocolRawStream(SYNC, { onRawData: () => undefined }));
    }
    return super.exec(...args);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** An exclusive lock file beside the data directory, reclaimed when its process is gone. */
function lockDataDir(dataDir: string): { record(url: string): void; release(): void } {
  const file = `${resolve(dataDir)}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      closeSync(openSync(file, "wx"));
      writeFileSync(file, JSON.stringify({ pid: process.pid }));
      const release = () => rmSync(file, { force: true });
      process.once("exit", release);
      return {
        record: (url) => writeFileSync(file, JSON.stringify({ pid: process.pid, url })),
        release: () => {
          process.off("exit", release);
          release();
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      let holder: { pid?: number; url?: string } = {};
      try {
        holder = JSON.parse(readFileSync(file, "utf8")) as typeof holder;
      } catch {
        // Unreadable or half-written: treated as stale below only if no live pid can be read from it.
      }
      if (holder.pid && processAlive(holder.pid)) throw new EmbeddedDatabaseInUse(file, holder.pid, holder.url);
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not lock the embedded database at ${dataDir}`);
}

export async function startEmbeddedPostgres(options: EmbeddedOptions = {}): Promise<EmbeddedPostgres> {
  const dataDir = options.dataDir ?? join(config().dataDir, "pglite");
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? config().embeddedPort;
  let lock: ReturnType<typeof lockDataDir> | undefined;
  if (dataDir !== "memory") {
    mkdirSync(dirname(resolve(dataDir)), { recursive: true });
    lock = lockDataDir(dataDir);
  }
  let db: BatchAtomicPGlite | undefined;
  try {
    db = dataDir === "memory" ? new BatchAtomicPGlite() : new BatchAtomicPGlite(dataDir);
    await db.waitReady;
    // maxConnections: a Prisma pool plus the migrator, scripts and psql; queries are queued, not parallel.
    const server = new PGLiteSocketServer({ db, host, port, maxConnections: 32 });
    await server.start();
    const actualPort = Number(server.getServerConn().split(":").pop());
    const url = `postgresql://postgres@${host}:${actualPort}/postgres?sslmode=disable`;
    lock?.record(url);
    const running = db;
    let stopped: Promise<void> | undefined;
    return {
      url,
      stop: () =>
        (stopped ??= (async () => {
          await server.stop();
          await running.close();
          lock?.release();
        })()),
    };
  } catch (error) {
    await db?.close().catch(() => undefined);
    lock?.release();
    throw error;
  }
}
