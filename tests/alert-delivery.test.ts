import { execFileSync } from "node:child_process";
import { randomUUID, timingSafeEqual } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { noRequest } from "@/lib/access/actor";
import { deliverAlerts } from "@/lib/alerts/delivery/outbox";
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, webhookSignature } from "@/lib/alerts/delivery/webhook";
import { raiseAlert } from "@/lib/alerts/raise";
import { withSystem } from "@/lib/db/transaction";
import { listAlerts } from "@/lib/services/alerts";
import { adminQuery } from "./helpers/db";
import { actorOf, makeUser } from "./helpers/fixtures";

const SECRET = "a-webhook-secret-that-is-long-enough-0123456789";
const SIEM_ENV = ["SIEM_WEBHOOK_URL", "SIEM_WEBHOOK_SECRET", "SIEM_SYSLOG_URL", "SIEM_SYSLOG_CA_FILE", "SIEM_MAX_ATTEMPTS", "SIEM_RETRY_BASE_SECONDS"];

/** A SIEM's webhook endpoint: checks the signature over timestamp and body, counts each idempotency key once. */
class WebhookReceiver {
  server: HttpServer | null = null;
  port = 0;
  /** Requests that verified, by idempotency key. */
  received = new Map<string, { body: Record<string, unknown>; deliveries: number }>();
  refused = 0;

  constructor(private secret: string) {}

  async start(port = 0): Promise<void> {
    this.server = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const timestamp = String(req.headers[TIMESTAMP_HEADER] ?? "");
        const given = Buffer.from(String(req.headers[SIGNATURE_HEADER] ?? ""));
        const expected = Buffer.from(webhookSignature(this.secret, timestamp, body));
        const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
        if (!fresh || given.length !== expected.length || !timingSafeEqual(given, expected)) {
          this.refused += 1;
          res.writeHead(401).end();
          return;
        }
        const key = String(req.headers[IDEMPOTENCY_HEADER]);
        const seen = this.received.get(key);
        if (seen) seen.deliveries += 1;
        else this.received.set(key, { body: JSON.parse(body), deliveries: 1 });
        res.writeHead(seen ? 200 : 202).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, "127.0.0.1", resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
    this.server = null;
  }
}

/** An RFC 5424 receiver with octet-counting framing, over TCP or TLS. */
function syslogReceiver(messages: string[]): (socket: Socket) => void {
  return (socket) => {
    let buffer = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const space = buffer.indexOf(0x20);
        if (space < 0) return;
        const length = Number(buffer.subarray(0, space).toString());
        if (buffer.length < space + 1 + length) return;
        messages.push(buffer.subarray(space + 1, space + 1 + length).toString("utf8"));
        buffer = buffer.subarray(space + 1 + length);
      }
    });
    socket.on("end", () => socket.end());
    socket.on("error", () => undefined);
  };
}

async function newAlert(severity: "medium" | "critical" = "medium"): Promise<string> {
  const id = await withSystem(noRequest, (ctx) =>
    raiseAlert(ctx, { kind: "failed_sign_ins", rule: "failed-sign-ins-account", severity, windowKey: `test:${randomUUID()}`, details: { failures: 9 }, evidence: ["1", "2"] }),
  );
  return id!;
}

const deliveryOf = (alertId: string, target = "webhook") =>
  adminQuery<{ status: string; attempts: number; last_error: string | null }>("SELECT status, attempts, last_error FROM alert_delivery WHERE alert_id = $1 AND target = $2", [alertId, target]).then((r) => r[0]);

/** A port nothing listens on: the receiver is down. */
async function closedPort(): Promise<number> {
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const later = (seconds: number) => new Date(Date.now() + seconds * 1000);

let webhook: WebhookReceiver;

beforeAll(async () => {
  webhook = new WebhookReceiver(SECRET);
  await webhook.start();
});

afterAll(() => webhook.stop());

afterEach(() => {
  for (const name of SIEM_ENV) delete process.env[name];
});

function useWebhook(port = webhook.port, secret = SECRET): void {
  process.env.SIEM_WEBHOOK_URL = `http://127.0.0.1:${port}/siem/alerts`;
  process.env.SIEM_WEBHOOK_SECRET = secret;
  process.env.SIEM_RETRY_BASE_SECONDS = "30";
}

describe("signed webhook", () => {
  it("delivers the alert once, signed over timestamp and body, with the alert id as idempotency key; auditors see it delivered", async () => {
    useWebhook();
    const id = await newAlert("critical");
    await Promise.all([deliverAlerts(), deliverAlerts()]);
    await deliverAlerts();
    expect(webhook.received.get(id)).toEqual({
      deliveries: 1,
      body: expect.objectContaining({ id, kind: "failed_sign_ins", rule: "failed-sign-ins-account", severity: "critical", evidence: ["1", "2"], source: "custodia" }),
    });
    expect(await deliveryOf(id)).toEqual({ status: "delivered", attempts: 1, last_error: null });
    const auditor = await makeUser("auditor");
    const view = (await listAlerts(actorOf(auditor))).find((a) => a.id === id);
    expect(view?.deliveries).toEqual([expect.objectContaining({ target: "webhook", status: "delivered", attempts: 1, deliveredAt: expect.any(String) })]);
    const audited = await adminQuery("SELECT actor_role, outcome FROM audit_event WHERE action = 'alert.deliver' AND resource_id = $1", [id]);
    expect(audited).toEqual([{ actor_role: "system", outcome: "allowed" }]);
  });

  it("a receiver holding another secret refuses the signature: not delivered, the refusal recorded and retried later", async () => {
    const impostor = new WebhookReceiver("someone-else's-secret-also-long-enough-0000");
    await impostor.start();
    try {
      useWebhook(impostor.port);
      const id = await newAlert();
      const run = await deliverAlerts();
      expect(run.delivered).toBe(0);
      expect(impostor.refused).toBeGreaterThanOrEqual(1);
      expect(impostor.received.size).toBe(0);
      expect(await deliveryOf(id)).toEqual({ status: "pending", attempts: 1, last_error: "HTTP 401" });
      const audited = await adminQuery("SELECT outcome, details->>'error' AS error FROM audit_event WHERE action = 'alert.deliver' AND resource_id = $1", [id]);
      expect(audited).toEqual([{ outcome: "error", error: "HTTP 401" }]);
    } finally {
      await impostor.stop();
    }
  });

  it("receiver down, then up: retried with exponential backoff and delivered exactly once per idempotency key", async () => {
    const port = await closedPort();
    const receiver = new WebhookReceiver(SECRET);
    useWebhook(port);
    const id = await newAlert();
    const t0 = new Date();
    await deliverAlerts(t0);
    const first = await deliveryOf(id);
    expect(first).toMatchObject({ status: "pending", attempts: 1, last_error: expect.stringMatching(/ECONNREFUSED/) });
    // Not due before the backoff (30 s after the first failure, then 60 s).
    await deliverAlerts(new Date(t0.getTime() + 29_000));
    expect((await deliveryOf(id))!.attempts).toBe(1);
    await deliverAlerts(new Date(t0.getTime() + 31_000));
    expect(await deliveryOf(id)).toMatchObject({ attempts: 2 });
    await deliverAlerts(new Date(t0.getTime() + 31_000 + 59_000));
    expect((await deliveryOf(id))!.attempts).toBe(2);

    await receiver.start(port);
    try {
      const t3 = new Date(t0.getTime() + 31_000 + 61_000);
      await Promise.all([deliverAlerts(t3), deliverAlerts(t3)]);
      await deliverAlerts(new Date(t3.getTime() + 3_600_000));
      expect(receiver.received.get(id)?.deliveries).toBe(1);
      expect(await deliveryOf(id)).toEqual({ status: "delivered", attempts: 3, last_error: null });
      const attempts = await adminQuery<{ outcome: string }>("SELECT outcome FROM audit_event WHERE action = 'alert.deliver' AND resource_id = $1 ORDER BY audit_event.seq", [id]);
      expect(attempts.map((a) => a.outcome)).toEqual(["error", "error", "allowed"]);
    } finally {
      await receiver.stop();
    }
  });

  it("a sender that died after claiming is resent once its lease runs out, with the same idempotency key", async () => {
    useWebhook();
    const id = await newAlert();
    // What a killed run leaves behind: the row claimed (attempt counted, leased for a minute), never settled.
    await adminQuery(`INSERT INTO alert_delivery (alert_id, target, attempts, last_attempt_at, next_attempt_at)
      SELECT a.id, t, 1, now(), now() + interval '60 seconds' FROM alert a, unnest(ARRAY['webhook']) t WHERE a.id = $1`, [id]);
    await deliverAlerts();
    expect(webhook.received.has(id)).toBe(false);
    await deliverAlerts(later(61));
    expect(webhook.received.get(id)?.deliveries).toBe(1);
    expect(await deliveryOf(id)).toMatchObject({ status: "delivered", attempts: 2 });
  });

  it("gives up after SIEM_MAX_ATTEMPTS and shows the auditors why", async () => {
    useWebhook(await closedPort());
    process.env.SIEM_MAX_ATTEMPTS = "2";
    const id = await newAlert();
    await deliverAlerts();
    await deliverAlerts(later(3600));
    await deliverAlerts(later(7200));
    expect(await deliveryOf(id)).toMatchObject({ status: "failed", attempts: 2 });
    const auditor = await makeUser("auditor");
    const view = (await listAlerts(actorOf(auditor))).find((a) => a.id === id);
    expect(view?.deliveries).toEqual([expect.objectContaining({ target: "webhook", status: "failed", attempts: 2, lastError: expect.stringMatching(/ECONNREFUSED/) })]);
  });
});

describe("RFC 5424 syslog", () => {
  let dir: string;
  let tcp: TcpServer;
  const tcpMessages: string[] = [];

  beforeAll(async () => {
    tcp = createTcpServer(syslogReceiver(tcpMessages));
    await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
    dir = mkdtempSync(join(tmpdir(), "custodia-syslog-"));
    const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl("req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=siem test CA");
    openssl("req", "-x509", ...ec, "-keyout", "other-ca.key", "-out", "other-ca.pem", "-days", "2", "-subj", "/CN=someone else");
    openssl("req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost");
    writeFileSync(join(dir, "san.ext"), "subjectAltName=DNS:localhost\n");
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext");
  });

  afterAll(async () => {
    await new Promise((resolve) => tcp.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it("over TCP: one framed message per alert, with priority, the alert id as structured data and the alert as JSON", async () => {
    process.env.SIEM_SYSLOG_URL = `tcp://127.0.0.1:${(tcp.address() as { port: number }).port}`;
    const id = await newAlert("critical");
    await Promise.all([deliverAlerts(), deliverAlerts()]);
    const mine = tcpMessages.filter((m) => m.includes(id));
    expect(mine).toHaveLength(1);
    // <PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG; PRI 106 = facility 13 (log audit) × 8 + 2 (critical).
    const match = /^<106>1 (\S+) \S+ custodia \d+ failed_sign_ins \[custodia@32473 alertId="([^"]+)" kind="failed_sign_ins" rule="failed-sign-ins-account" severity="critical"\] (\{.*\})$/.exec(mine[0]!);
    expect(match).not.toBeNull();
    expect(match![2]).toBe(id);
    expect(JSON.parse(match![3]!)).toMatchObject({ id, severity: "critical" });
    expect(await deliveryOf(id, "syslog")).toEqual({ status: "delivered", attempts: 1, last_error: null });
  });

  it("over TLS: delivered to a receiver whose certificate the configured CA signed, refused by one it did not", async () => {
    const messages: string[] = [];
    const tls = createTlsServer({ key: readFileSync(join(dir, "server.key")), cert: readFileSync(join(dir, "server.pem")) }, syslogReceiver(messages));
    tls.on("tlsClientError", () => undefined);
    await new Promise<void>((resolve) => tls.listen(0, "127.0.0.1", resolve));
    try {
      process.env.SIEM_SYSLOG_URL = `tls://localhost:${(tls.address() as { port: number }).port}`;
      process.env.SIEM_SYSLOG_CA_FILE = join(dir, "other-ca.pem");
      const refused = await newAlert();
      await deliverAlerts();
      expect(await deliveryOf(refused, "syslog")).toMatchObject({ status: "pending", attempts: 1, last_error: expect.stringMatching(/certificate/i) });
      expect(messages.filter((m) => m.includes(refused))).toEqual([]);

      process.env.SIEM_SYSLOG_CA_FILE = join(dir, "ca.pem");
      await deliverAlerts(later(3600));
      expect(messages.filter((m) => m.includes(refused))).toHaveLength(1);
      expect(await deliveryOf(refused, "syslog")).toMatchObject({ status: "delivered", attempts: 2 });
    } finally {
      await new Promise((resolve) => tls.close(resolve));
    }
  });
});
