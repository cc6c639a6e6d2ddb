import { isIP } from "node:net";
import type { ErrorCode } from "./error-table";

/**
 * What server.ts and proxy.ts decide before any route or server action runs. Pure functions of the request
 * line and headers (and, for proxy.ts, the body), so every rule is unit-tested without a server.
 */

/** Every state-changing request is at most this large: the portal's forms hold a few kilobytes of text. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * Headers by which a client could make the app believe another host, scheme or address. Only a reverse
 * proxy we trust (TRUST_PROXY) may set them: Next compares Origin with X-Forwarded-Host for its own CSRF
 * check and builds absolute URLs from them, so a client-sent copy would steer both.
 */
export const FORWARDING_HEADERS = ["x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "x-forwarded-for", "forwarded"];

/**
 * The client's address. Each of the `hops` trusted proxies appends the address it received the request
 * from to X-Forwarded-For, so only the rightmost `hops` entries are theirs; anything to the left of those
 * was written by the client and is ignored. With fewer entries than hops, every entry was still written by
 * a trusted proxy, and the leftmost is the furthest address known. Unparseable entries are not trusted.
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined, hops: number): string | null {
  const socket = peer ? normalizeAddress(peer) : null;
  if (hops === 0 || forwardedFor === undefined) return socket;
  const entries = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor)
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  if (entries.length === 0) return socket;
  const chosen = entries[Math.max(entries.length - hops, 0)]!;
  return isIP(chosen) ? normalizeAddress(chosen) : socket;
}

/** `::ffff:203.0.113.7` (an IPv4 client on a dual-stack socket) is recorded as `203.0.113.7`. */
function normalizeAddress(address: string): string {
  return address.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

type HeaderValue = string | string[] | undefined;
export type RequestHeaders = Record<string, HeaderValue>;

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function single(value: HeaderValue): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A server action: a fetch call names the action in a header; a form posted without JavaScript is multipart. */
export function isServerActionRequest(method: string, headers: RequestHeaders): boolean {
  return method === "POST" && (headers["next-action"] !== undefined || isMultipart(single(headers["content-type"])));
}

function isMultipart(contentType: string | undefined): boolean {
  return contentType?.toLowerCase().startsWith("multipart/form-data") ?? false;
}

/**
 * CSRF: a state-changing request must come from one of our own pages. Browsers send Origin with every
 * POST; without it, Sec-Fetch-Site must say same-origin. Next's own check lets a request without Origin
 * through and trusts X-Forwarded-Host, so this one compares with the configured origin instead.
 */
export function originAllowed(method: string, headers: RequestHeaders, origins: readonly string[]): boolean {
  if (SAFE_METHODS.has(method)) return true;
  const origin = single(headers.origin);
  if (origin !== undefined) return origins.includes(origin.toLowerCase());
  return single(headers["sec-fetch-site"]) === "same-origin";
}

/** The refusals that need only the request line and headers; null lets the request through. */
export function screenHeaders(method: string, headers: RequestHeaders, origins: readonly string[]): ErrorCode | null {
  if (!originAllowed(method, headers, origins)) return "cross-origin";
  if (SAFE_METHODS.has(method)) return null;
  const length = Number(single(headers["content-length"]) ?? 0);
  if (length > BODY_LIMIT_BYTES) return "body-too-large";
  // Every server action of ours is posted by a form, so its body is multipart form data.
  if (headers["next-action"] !== undefined && !isMultipart(single(headers["content-type"]))) return "unsupported-body";
  return null;
}

/** A reference to a FormData argument in React's reply encoding (the form a server action receives). */
const FORM_REFERENCE = /^\$K[0-9a-f]+$/;

/**
 * The body of a server action, checked before Next decodes it: Next answers a body it cannot decode, or
 * an action that throws on an argument of the wrong type, with a 500. Every action of ours takes the
 * submitted form as its last argument, so a fetch action's argument list (reply field "0") must end with one.
 */
export async function screenActionBody(headers: RequestHeaders, body: ArrayBuffer): Promise<ErrorCode | null> {
  if (body.byteLength > BODY_LIMIT_BYTES) return "body-too-large";
  let form: FormData;
  try {
    form = await new Response(body, { headers: { "content-type": single(headers["content-type"]) ?? "" } }).formData();
  } catch {
    return "malformed-body";
  }
  if (headers["next-action"] === undefined) return null;
  const root = form.get("0");
  if (typeof root !== "string") return "malformed-body";
  try {
    const args: unknown = JSON.parse(root);
    return Array.isArray(args) && typeof args.at(-1) === "string" && FORM_REFERENCE.test(args.at(-1) as string) ? null : "malformed-body";
  } catch {
    return "malformed-body";
  }
}
