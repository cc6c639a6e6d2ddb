import { ConfigError, type Config } from "@/lib/config";

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/**
 * Production talks to PostgreSQL over TLS that verifies the server's certificate and name
 * (`sslmode=verify-full`, honoured by node-postgres; `sslrootcert=<file>` names a private CA): anything
 * weaker lets someone on the network path read PHI ciphertext, password hashes and the audit log, or
 * impersonate the database. The one exception, DATABASE_ALLOW_LOCAL_PLAINTEXT=1, is a Unix socket or a
 * loopback address, where no network is crossed.
 */
export function databaseTransportProblem(databaseUrl: string, cfg: Pick<Config, "env" | "databaseAllowLocalPlaintext">): string | null {
  if (cfg.env !== "production") return null;
  if (!URL.canParse(databaseUrl)) return "the database URL cannot be parsed";
  const url = new URL(databaseUrl);
  if (url.searchParams.get("sslmode") === "verify-full") return null;
  const host = url.searchParams.get("host") ?? decodeURIComponent(url.hostname);
  const local = host === "" || host.startsWith("/") || LOOPBACK.test(host);
  if (local && cfg.databaseAllowLocalPlaintext) return null;
  return local
    ? "the database URL does not use TLS: add sslmode=verify-full, or set DATABASE_ALLOW_LOCAL_PLAINTEXT=1 for this local socket or loopback address"
    : "the database URL must use TLS with certificate and host name checks in production: add sslmode=verify-full (and sslrootcert=<CA file> for a private CA)";
}

export function assertDatabaseTransport(databaseUrl: string, cfg: Pick<Config, "env" | "databaseAllowLocalPlaintext">): void {
  const problem = databaseTransportProblem(databaseUrl, cfg);
  if (problem) throw new ConfigError(problem);
}
