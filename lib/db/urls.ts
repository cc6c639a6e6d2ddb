/** Small helpers for PostgreSQL connection URLs, shared by the migrator CLI, the server and the test harness. */

/** The same server and credentials, another database: how the test harness reaches its clones. */
export function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/** For logs: a URL without its password (a leaked log line must not be a leaked credential). */
export function redactUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "<unparseable database URL>";
  }
}

/**
 * Quotes an identifier for the statements that cannot take parameters (CREATE/DROP DATABASE).
 * Names come from our own code, but quoting keeps a surprising name from ever becoming SQL.
 */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
