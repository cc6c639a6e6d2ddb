import { readFileSync } from "node:fs";
import { isIP, connect as tcpConnect, type Socket } from "node:net";
import { hostname } from "node:os";
import { connect as tlsConnect } from "node:tls";
import type { AlertPayload, SendResult } from "./payload";
import { networkError } from "./webhook";

const TIMEOUT_MS = 10_000;
/** RFC 5424 facility 13: log audit. */
const FACILITY = 13;
const SEVERITY_CODE = { critical: 2, high: 3, medium: 4, low: 5 } as const;
/** The private enterprise number reserved for documentation (RFC 5612); our structured-data id. */
export const SD_ID = "custodia@32473";

/** RFC 5424 PARAM-VALUE: '"', '\' and ']' are escaped. */
const sdValue = (value: string) => value.replace(/["\\\]]/g, (c) => `\\${c}`);
/** PRINTUSASCII without spaces, at most `max` long; "-" when empty. */
const token = (value: string, max: number) => value.replace(/[^\x21-\x7e]/g, "").slice(0, max) || "-";

/** One RFC 5424 message: header, the alert's ids as structured data, the whole alert as JSON in MSG. */
export function syslogMessage(alert: AlertPayload, host = hostname()): string {
  const pri = FACILITY * 8 + SEVERITY_CODE[alert.severity];
  const sd = `[${SD_ID} alertId="${sdValue(alert.id)}" kind="${sdValue(alert.kind)}" rule="${sdValue(alert.rule ?? "")}" severity="${alert.severity}"]`;
  return `<${pri}>1 ${alert.createdAt} ${token(host, 255)} custodia ${process.pid} ${token(alert.kind, 32)} ${sd} ${JSON.stringify(alert)}`;
}

/** RFC 6587 octet counting (the framing RFC 5425 requires over TLS): "<length in bytes> <message>". */
export function frame(message: string): Buffer {
  const bytes = Buffer.from(message, "utf8");
  return Buffer.concat([Buffer.from(`${bytes.length} `), bytes]);
}

/**
 * One connection per alert: written, half-closed, and counted delivered once the receiver closes its side
 * without error. Syslog has no application acknowledgement; the alert id in the structured data lets the
 * SIEM drop the duplicate a retry after a lost close may bring.
 */
export function sendSyslog(target: { url: string; caFile: string | undefined }, alert: AlertPayload): Promise<SendResult> {
  const url = new URL(target.url);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = Number(url.port || (url.protocol === "tls:" ? 6514 : 601));
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: SendResult) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(result);
    };
    const socket: Socket = url.protocol === "tls:"
      ? tlsConnect({ host, port, servername: isIP(host) ? undefined : host, ca: target.caFile ? readFileSync(target.caFile) : undefined }, () => socket.end(frame(syslogMessage(alert))))
      : tcpConnect({ host, port }, () => socket.end(frame(syslogMessage(alert))));
    socket.setTimeout(TIMEOUT_MS, () => done({ ok: false, error: "timed out" }));
    socket.on("error", (error) => done({ ok: false, error: networkError(error) }));
    socket.on("data", () => undefined);
    socket.on("end", () => done({ ok: true }));
  });
}
