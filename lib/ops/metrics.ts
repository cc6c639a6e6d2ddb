import { collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { AuditBacklog } from "./readiness";
import type { RouteKind } from "./request";

/**
 * Prometheus metrics (GET /metrics, lib/ops/endpoints.ts). Labels are a closed set (route kind, status
 * class): never a path, user or patient, so a scrape reveals load, not who was looked at.
 */

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

export interface MetricSources {
  pool: () => PoolStats | null;
  backlog: () => Promise<AuditBacklog>;
}

export interface Metrics {
  registry: Registry;
  observeRequest(kind: RouteKind, status: number, seconds: number): void;
}

export function createMetrics(sources: MetricSources, { defaults = true } = {}): Metrics {
  const registry = new Registry();
  if (defaults) collectDefaultMetrics({ register: registry });
  const latency = new Histogram({
    name: "custodia_http_request_duration_seconds",
    help: "Time from request to the end of the response, by route kind and status class",
    labelNames: ["kind", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const pool = (name: string, help: string, pick: (stats: PoolStats) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const stats = sources.pool();
        this.set(stats ? pick(stats) : 0);
      },
    });
  pool("custodia_db_pool_connections", "Connections open in the application's database pool", (s) => s.total);
  pool("custodia_db_pool_idle", "Idle connections in the application's database pool", (s) => s.idle);
  pool("custodia_db_pool_waiting", "Queries waiting for a connection from the pool (pool exhausted when > 0)", (s) => s.waiting);

  // One backlog query per scrape feeds three gauges; a scrape while the database is down still answers.
  let pending: Promise<AuditBacklog | null> | null = null;
  const backlogOnce = () => {
    pending ??= sources.backlog().catch(() => null).finally(() => setImmediate(() => (pending = null)));
    return pending;
  };
  new Gauge({
    name: "custodia_database_up",
    help: "1 if the database answered this scrape's audit backlog query",
    registers: [registry],
    async collect() {
      this.set((await backlogOnce()) ? 1 : 0);
    },
  });
  new Gauge({
    name: "custodia_audit_sealer_lag_seconds",
    help: "Age of the oldest audit event not yet sealed into the hash chain",
    registers: [registry],
    async collect() {
      this.set((await backlogOnce())?.lagSeconds ?? Number.NaN);
    },
  });
  new Gauge({
    name: "custodia_audit_sealer_queue_depth",
    help: "Audit events committed but not yet sealed into the hash chain",
    registers: [registry],
    async collect() {
      this.set((await backlogOnce())?.depth ?? Number.NaN);
    },
  });

  return {
    registry,
    observeRequest(kind, status, seconds) {
      latency.observe({ kind, status: `${Math.floor(status / 100)}xx` }, seconds);
    },
  };
}
