import { spawn, type ChildProcess } from "node:child_process";

/**
 * pg_dump, pg_restore and psql as child processes (without a URL: pg_restore writing a script to stdout). The password goes through PGPASSWORD, not the command line,
 * where any local user could read it in the process list.
 */
export function spawnPgTool(tool: "pg_dump" | "pg_restore" | "psql", databaseUrl: string | null, args: string[]): { child: ChildProcess; finished: Promise<void> } {
  let env: NodeJS.ProcessEnv = process.env;
  const connect: string[] = [];
  if (databaseUrl) {
    const url = new URL(databaseUrl);
    const password = decodeURIComponent(url.password);
    url.password = "";
    env = { ...process.env, ...(password ? { PGPASSWORD: password } : {}) };
    connect.push(`--dbname=${url.toString()}`);
  }
  const child = spawn(tool, [...args, ...connect], { env, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (text: string) => {
    if (stderr.length < 8000) stderr += text;
  });
  const finished = new Promise<void>((resolve, reject) => {
    child.once("error", (error: NodeJS.ErrnoException) =>
      reject(new Error(error.code === "ENOENT" ? `${tool} is not installed (it comes with the PostgreSQL client tools)` : `${tool}: ${error.message}`)),
    );
    child.once("close", (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${tool} failed (${signal ?? `exit ${code}`}): ${stderr.trim() || "no message"}`)),
    );
  });
  // Observed here; callers await it.
  finished.catch(() => undefined);
  return { child, finished };
}

/** Same server and database, whoever connects: how "the live database" is recognised. */
export function sameDatabase(a: string, b: string): boolean {
  const key = (text: string) => {
    const url = new URL(text);
    const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, "");
    const local = host === "localhost" || host === "127.0.0.1" || host === "::1" ? "loopback" : host;
    return `${local}:${url.port || "5432"}/${decodeURIComponent(url.pathname.slice(1)) || decodeURIComponent(url.username)}`;
  };
  return key(a) === key(b);
}
