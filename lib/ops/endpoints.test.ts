import { describe, expect, it } from "vitest";
import { exchange } from "@/tests/helpers/exchange";
import { serveOps, type OpsDeps } from "./endpoints";
import { createMetrics } from "./metrics";
import type { Readiness } from "./readiness";

const ready: Readiness = { ready: true, database: "ok", migrations: { current: true, pending: [], unknown: [] }, sealer: { depth: 0, lagSeconds: 0, maxLagSeconds: 60, ok: true } };
const TOKEN = "t".repeat(40);

function deps(overrides: Partial<OpsDeps> = {}): OpsDeps {
  const metrics = createMetrics({ pool: () => ({ total: 4, idle: 1, waiting: 7 }), backlog: async () => ({ depth: 2, lagSeconds: 1.5 }) }, { defaults: false });
  return { readiness: async () => ready, metrics, metricsToken: undefined, trustProxyHops: 0, ...overrides };
}

describe("operations endpoints", () => {
  it("healthz answers 200 JSON without touching readiness; other paths are left to the app", async () => {
    const { req, res, reply } = exchange("GET", "/healthz?x=1");
    expect(await serveOps(req, res, deps({ readiness: () => Promise.reject(new Error("not called")) }))).toBe(true);
    expect(reply.status).toBe(200);
    expect(reply.headers["Content-Type"]).toMatch(/^application\/json/);
    expect(JSON.parse(reply.body)).toEqual({ status: "ok" });
    for (const url of ["/", "/healthz/x", "/patient", "/api/healthz"]) {
      const other = exchange("GET", url);
      expect(await serveOps(other.req, other.res, deps())).toBe(false);
    }
  });

  it("readyz answers 503 with the reason when not ready, and only counts of migrations", async () => {
    const notReady: Readiness = { ...ready, ready: false, migrations: { current: false, pending: ["0099_next"], unknown: [] } };
    const { req, res, reply } = exchange("GET", "/readyz");
    await serveOps(req, res, deps({ readiness: async () => notReady }));
    expect(reply.status).toBe(503);
    expect(JSON.parse(reply.body)).toMatchObject({ status: "not ready", database: "ok", migrations: { current: false, pending: 1, unknown: 0 } });
    expect(reply.body).not.toContain("0099_next");
  });

  it("a state-changing method is refused", async () => {
    const { req, res, reply } = exchange("POST", "/readyz");
    await serveOps(req, res, deps());
    expect(reply.status).toBe(405);
  });

  it("metrics are Prometheus text: latency by route kind, pool waits, sealer lag and queue depth", async () => {
    const d = deps();
    d.metrics.observeRequest("page", 200, 0.03);
    d.metrics.observeRequest("action", 303, 0.2);
    const { req, res, reply } = exchange("GET", "/metrics");
    await serveOps(req, res, d);
    expect(reply.status).toBe(200);
    expect(reply.headers["Content-Type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    const lines = reply.body.split("\n");
    expect(lines).toContain("# TYPE custodia_http_request_duration_seconds histogram");
    expect(lines).toContain('custodia_http_request_duration_seconds_bucket{le="0.025",kind="page",status="2xx"} 0');
    expect(lines).toContain('custodia_http_request_duration_seconds_bucket{le="0.05",kind="page",status="2xx"} 1');
    expect(lines).toContain('custodia_http_request_duration_seconds_count{kind="action",status="3xx"} 1');
    expect(lines).toContain("custodia_db_pool_waiting 7");
    expect(lines).toContain("custodia_db_pool_connections 4");
    expect(lines).toContain("custodia_audit_sealer_lag_seconds 1.5");
    expect(lines).toContain("custodia_audit_sealer_queue_depth 2");
    expect(lines).toContain("custodia_database_up 1");
  });

  it("a scrape while the database is down still answers, and says so", async () => {
    const metrics = createMetrics({ pool: () => null, backlog: () => Promise.reject(new Error("ECONNREFUSED")) }, { defaults: false });
    const { req, res, reply } = exchange("GET", "/metrics");
    await serveOps(req, res, deps({ metrics }));
    expect(reply.status).toBe(200);
    expect(reply.body).toContain("custodia_database_up 0");
    expect(reply.body).toContain("custodia_audit_sealer_queue_depth Nan");
  });

  it("metrics are refused from another host, from loopback behind a proxy, and with a wrong token", async () => {
    const cases: [string, Partial<OpsDeps>, Record<string, string>][] = [
      ["203.0.113.9", {}, {}],
      ["127.0.0.1", { trustProxyHops: 1 }, {}],
      ["127.0.0.1", { metricsToken: TOKEN }, {}],
      ["203.0.113.9", { metricsToken: TOKEN }, { authorization: `Bearer ${TOKEN}x` }],
    ];
    for (const [peer, overrides, headers] of cases) {
      const { req, res, reply } = exchange("GET", "/metrics", { peer, headers });
      await serveOps(req, res, deps(overrides));
      expect(reply.status, `${peer} ${JSON.stringify(overrides)}`).toBe(403);
      expect(reply.body).not.toContain("custodia_");
    }
  });

  it("metrics are served to a loopback peer without a proxy, or to anyone with the token", async () => {
    for (const [peer, overrides, headers] of [
      ["::1", {}, {}],
      ["203.0.113.9", { metricsToken: TOKEN, trustProxyHops: 1 }, { authorization: `Bearer ${TOKEN}` }],
    ] as [string, Partial<OpsDeps>, Record<string, string>][]) {
      const { req, res, reply } = exchange("GET", "/metrics", { peer, headers });
      await serveOps(req, res, deps(overrides));
      expect(reply.status).toBe(200);
      expect(reply.body).toContain("custodia_db_pool_waiting");
    }
  });
});
