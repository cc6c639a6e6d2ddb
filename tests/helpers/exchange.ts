import type { IncomingMessage, ServerResponse } from "node:http";

export interface Reply {
  status: number;
  headers: Record<string, string | number>;
  body: string;
}

/** A request as node:http hands it to server.ts, and a response that records what was sent. */
export function exchange(method: string, url: string, { peer = "127.0.0.1", headers = {} as Record<string, string> } = {}) {
  const req = { method, url, headers, socket: { remoteAddress: peer } } as unknown as IncomingMessage;
  const reply: Reply = { status: 0, headers: {}, body: "" };
  const res = {
    req,
    writeHead(status: number, headers: Record<string, string | number>) {
      reply.status = status;
      reply.headers = headers;
      return this;
    },
    end(body?: string) {
      reply.body = body ?? "";
    },
  } as unknown as ServerResponse;
  return { req, res, reply };
}
