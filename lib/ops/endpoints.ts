import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { log, requestFields } from "./log";
import type { Metrics } from "./metrics";
import type { Readiness } from "./readiness";
import { pathOf } from "./request";

/**
 * /healthz, /readyz and /metrics, answered by server.ts before Next: no session, no audit event, no page
 * rendering, so a load balancer probing every second costs one cheap query at most.
 */

export interface OpsDeps {
  readiness: () => Promise<Readiness>;
  metrics: Metrics;
  /** METRICS_TOKEN; without it only a loopback peer with no proxy in front may scrape. */
  metricsToken: string | undefined;
  trustProxyHops: number;
}

/** Answers an operations path and returns true, or returns false and leaves the request to the app. */
export async function serveOps(req: IncomingMessage, res: ServerResponse, deps: OpsDeps): Promise<boolean> {
  const path = pathOf(req.url);
  if (path !== "/healthz" && path !== "/readyz" && path !== "/metrics") return false;
  if (req.method !== "GET" && req.method !== "HEAD") {
    send(res, 405, "text/plain; charset=utf-8", "Method not allowed\n", { Allow: "GET, HEAD" });
    return true;
  }
  if (path === "/healthz") {
    send(res, 200, JSON_TYPE, JSON.stringify({ status: "ok" }));
  } else if (path === "/readyz") {
    const state = await deps.readiness();
    send(res, state.ready ? 200 : 503, JSON_TYPE, JSON.stringify(readinessBody(state)));
  } else if (!metricsAllowed(req, deps)) {
    // Metrics reveal load and pool state, never PHI; a refused scrape is logged, not audited.
    log().warn({ ...requestFields(req), peer: req.socket.remoteAddress }, "metrics scrape refused");
    send(res, 403, "text/plain; charset=utf-8", "Forbidden: scrape from loopback or send the METRICS_TOKEN bearer token\n");
  } else {
    send(res, 200, deps.metrics.registry.contentType, await deps.metrics.registry.metrics());
  }
  return true;
}

const JSON_TYPE = "application/json; charset=utf-8";

function readinessBody(state: Readiness) {
  return {
    status: state.ready ? "ready" : "not ready",
    database: state.database,
    // Counts only: which migrations this build carries is no business of an anonymous prober.
    migrations: { current: state.migrations.current, pending: state.migrations.pending.length, unknown: state.migrations.unknown.length },
    sealer: state.sealer,
  };
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

/**
 * With a token configured it is required from everyone. Without one, only a loopback peer, and only when no
 * reverse proxy is trusted: behind a proxy on the same host every request arrives from loopback.
 */
export function metricsAllowed(req: IncomingMessage, deps: Pick<OpsDeps, "metricsToken" | "trustProxyHops">): boolean {
  if (deps.metricsToken) {
    const sent = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
    const digest = (text: string) => createHash("sha256").update(text).digest();
    return timingSafeEqual(digest(sent), digest(deps.metricsToken));
  }
  return deps.trustProxyHops === 0 && LOOPBACK.has(req.socket.remoteAddress ?? "");
}

function send(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": type, "Cache-Control": "no-store", "Content-Length": Buffer.byteLength(body), ...extra });
  res.end(res.req?.method === "HEAD" ? undefined : body);
}
