import type { IncomingMessage, ServerResponse } from "node:http";
import { CLIENT_IP_HEADER, REQUEST_ID_HEADER } from "@/lib/auth/request-meta";
import type { Config } from "@/lib/config";
import { withSystem } from "@/lib/db/transaction";
import { log, requestFields } from "@/lib/ops/log";
import { clientAddress, FORWARDING_HEADERS, screenHeaders } from "./edge";
import { errorTable, type ErrorCode } from "./error-table";

/**
 * Runs before Next sees the request: the client address and forwarding headers are settled here, where
 * the TCP peer is known, and requests that may not reach a route or server action are refused.
 */
export async function screenRequest(req: IncomingMessage, res: ServerResponse, cfg: Config, origins: string[]): Promise<boolean> {
  const ip = clientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"], cfg.trustProxyHops);
  // Overwrite, never trust, any client-supplied copy of our address header.
  req.headers[CLIENT_IP_HEADER] = ip ?? "";
  if (cfg.trustProxyHops === 0) for (const name of FORWARDING_HEADERS) delete req.headers[name];
  const refusal = screenHeaders(req.method ?? "GET", req.headers, origins);
  if (!refusal) return true;
  // The refusal stands even if its record cannot be written (database down): log that instead.
  if (refusal === "cross-origin") await recordCrossOrigin(req, ip).catch((error: unknown) => log().error({ ...requestFields(req), err: error }, "could not record a refused request"));
  refuse(res, refusal);
  return false;
}

/** A forged cross-site request is an attack on a signed-in user: it is recorded, without the path (ids). */
async function recordCrossOrigin(req: IncomingMessage, ip: string | null): Promise<void> {
  const userAgent = req.headers["user-agent"]?.slice(0, 512) ?? null;
  // Assigned by server.ts before the gate runs, so the refusal's log line and audit event share it.
  const requestId = req.headers[REQUEST_ID_HEADER];
  await withSystem({ ip, userAgent, requestId: typeof requestId === "string" ? requestId : null }, async ({ audit }) =>
    audit({
      action: "request.refused",
      outcome: "denied",
      details: { reason: "cross-origin", method: req.method ?? "", origin: (req.headers.origin ?? "").slice(0, 200) },
    }),
  );
}

function refuse(res: ServerResponse, code: ErrorCode): void {
  const { status, message } = errorTable[code];
  // The body is not read: close the connection rather than wait for the rest of a large upload.
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", Connection: "close", "Cache-Control": "no-store" });
  res.end(`${message}\n`);
}
