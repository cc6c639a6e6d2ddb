import type { RequestMeta } from "@/lib/access/actor";
import { config } from "@/lib/config";

/** Header set by server.ts from the TCP peer address after discarding any client-supplied copy. */
export const CLIENT_IP_HEADER = "x-custodia-client-ip";
/** Header set by proxy.ts with a fresh id for every request, for log and audit correlation. */
export const REQUEST_ID_HEADER = "x-request-id";
export const PATHNAME_HEADER = "x-custodia-pathname";

export function requestMetaFrom(headers: Headers): RequestMeta {
  // X-Forwarded-For is client-controlled unless a trusted reverse proxy overwrites it (TRUST_PROXY=1).
  const forwarded = config().trustProxy ? headers.get("x-forwarded-for")?.split(",")[0]?.trim() : undefined;
  return {
    ip: (forwarded || headers.get(CLIENT_IP_HEADER)) ?? null,
    userAgent: headers.get("user-agent")?.slice(0, 512) ?? null,
    requestId: headers.get(REQUEST_ID_HEADER),
  };
}
