import type { RequestMeta } from "@/lib/access/actor";

/**
 * Header set by server.ts, after discarding any client-supplied copy, to the client's address: the TCP peer,
 * or behind TRUST_PROXY reverse proxies the address they vouch for (lib/http/edge.ts, clientAddress).
 */
export const CLIENT_IP_HEADER = "x-custodia-client-ip";
/** Header set by proxy.ts with a fresh id for every request, for log and audit correlation. */
export const REQUEST_ID_HEADER = "x-request-id";
export const PATHNAME_HEADER = "x-custodia-pathname";

export function requestMetaFrom(headers: Headers): RequestMeta {
  return {
    ip: headers.get(CLIENT_IP_HEADER) || null,
    userAgent: headers.get("user-agent")?.slice(0, 512) ?? null,
    requestId: headers.get(REQUEST_ID_HEADER),
  };
}
