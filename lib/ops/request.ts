import type { IncomingMessage } from "node:http";
import { isServerActionRequest } from "@/lib/http/edge";

/** The coarse kind of a request, for latency metrics and log filtering: few labels, never a path. */
export type RouteKind = "page" | "action" | "api" | "static" | "health";

export const OPS_PATHS = ["/healthz", "/readyz", "/metrics"] as const;

/** The path without its query string: search terms, tokens and names travel there, so it never leaves here. */
export function pathOf(url: string | undefined): string {
  const path = (url ?? "/").split(/[?#]/, 1)[0]!;
  return path.startsWith("/") ? path : "/";
}

export function routeKind(method: string, url: string | undefined, headers: IncomingMessage["headers"]): RouteKind {
  const path = pathOf(url);
  if ((OPS_PATHS as readonly string[]).includes(path)) return "health";
  if (path.startsWith("/_next/") || path === "/favicon.ico") return "static";
  if (isServerActionRequest(method, headers)) return "action";
  if (path.startsWith("/api/")) return "api";
  return "page";
}

// Route words of this app (`patients`, `break-glass`): lowercase letters and hyphens. Anything else in a
// segment is a record id, a number or text a client chose, and may identify a person.
const ROUTE_WORD = /^[a-z]{1,32}(?:-[a-z]{1,32}){0,3}$/;

/**
 * The path as logged: every segment that is not a route word becomes ":id". A patient's record id in the
 * log would join the access log to a person; the request id already joins it to the audit trail, which is
 * where access is accounted for.
 */
export function logPath(url: string | undefined): string {
  const path = pathOf(url);
  if (path.startsWith("/_next/")) return "/_next/…";
  return path
    .split("/")
    .map((segment) => (segment === "" || ROUTE_WORD.test(segment) ? segment : ":id"))
    .join("/");
}
