import { expect, test } from "@playwright/test";
import { idleServer } from "./support/settings";

// Probes and scrapes as a load balancer and Prometheus send them: no session, answered before Next.
test("healthz and readyz answer JSON, each with its own request id", async ({ request }) => {
  const health = await request.get("/healthz");
  expect(health.status()).toBe(200);
  expect(await health.json()).toEqual({ status: "ok" });
  const ready = await request.get("/readyz");
  expect(ready.status()).toBe(200);
  expect(ready.headers()["content-type"]).toContain("application/json");
  expect(await ready.json()).toMatchObject({ status: "ready", database: "ok", migrations: { current: true } });
  expect(ready.headers()["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  expect(ready.headers()["x-request-id"]).not.toBe(health.headers()["x-request-id"]);
});

test("metrics are Prometheus text for a loopback scraper with no proxy in front", async ({ request }) => {
  await request.get("/sign-in");
  const metrics = await request.get("/metrics");
  expect(metrics.status()).toBe(200);
  expect(metrics.headers()["content-type"]).toContain("text/plain");
  const text = await metrics.text();
  expect(text).toMatch(/^custodia_http_request_duration_seconds_count\{kind="page",status="2xx"\} [1-9]/m);
  expect(text).toContain("custodia_db_pool_waiting");
  expect(text).toContain("custodia_audit_sealer_lag_seconds");
});

test("metrics are refused on the server behind a trusted proxy: there loopback says nothing about the client", async ({ request }) => {
  const metrics = await request.get(`${idleServer()}/metrics`);
  expect(metrics.status()).toBe(403);
  expect(await metrics.text()).not.toContain("custodia_");
});
