import { isIP } from "node:net";
// With its extension: the compiled server (dist/server.js) loads it through Node's ESM loader, which resolves no
// bare file name inside a package that has no "exports" map (next has none).
import { extractInfoFromServerReferenceId, mightBeServerReferenceId } from "next/dist/shared/lib/server-reference-info.js";
import type { ErrorCode } from "./error-table";

/**
 * What the gate in front of Next (gate.ts, from server.ts) and proxy.ts decide before any route or server
 * action runs. Pure functions of the request line and headers (and, for proxy.ts, the body), so every rule
 * is unit-tested without a server.
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
  if (Number(single(headers["content-length"]) ?? 0) > BODY_LIMIT_BYTES) return "body-too-large";
  return null;
}

/**
 * How many arguments the browser sends to a server action: Next encodes which parameters the action uses
 * in the first byte of its id and the client drops the unused trailing ones. Null when that is unknown.
 */
function argumentCount(actionId: string): number | null {
  if (!mightBeServerReferenceId(actionId) || !/^[0-9a-f]+$/.test(actionId)) return null;
  const { usedArgs, hasRestArgs } = extractInfoFromServerReferenceId(actionId);
  return hasRestArgs ? null : usedArgs.lastIndexOf(true) + 1;
}

/** A reference to a FormData argument in React's reply encoding (the form a server action receives). */
const FORM_REFERENCE = /^\$K[0-9a-f]+$/;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function parseForm(contentType: string, body: ArrayBuffer): Promise<FormData | null> {
  try {
    return await new Response(body, { headers: { "content-type": contentType } }).formData();
  } catch {
    return null;
  }
}

/**
 * The body of a server action, checked before Next decodes it: Next answers a body it cannot decode, and an
 * action that throws on an argument of the wrong type, with a 500. Every action of ours is a form action:
 * it takes no argument at all (the browser then sends the empty list as text), or the submitted form as its
 * last one (multipart, with the argument list in field "0" ending with a reference to that form). A body of
 * any other shape was not sent by our pages.
 */
export async function screenActionBody(headers: RequestHeaders, body: ArrayBuffer): Promise<ErrorCode | null> {
  if (body.byteLength > BODY_LIMIT_BYTES) return "body-too-large";
  const contentType = single(headers["content-type"]) ?? "";
  const actionId = single(headers["next-action"]);
  // A form posted without JavaScript names its action inside the form: only its encoding can be checked here.
  if (actionId === undefined) return isMultipart(contentType) && !(await parseForm(contentType, body)) ? "malformed-body" : null;
  const expected = argumentCount(actionId);
  // Not an action id of any build: Next answers it as an unknown action (4xx) without running anything.
  if (expected === null) return null;
  if (expected === 0) {
    if (!contentType.toLowerCase().startsWith("text/plain")) return "unsupported-body";
    const args = parseJson(new TextDecoder().decode(body));
    return Array.isArray(args) && args.length === 0 ? null : "malformed-body";
  }
  if (!isMultipart(contentType)) return "unsupported-body";
  const root = (await parseForm(contentType, body))?.get("0");
  const args = typeof root === "string" ? parseJson(root) : undefined;
  if (!Array.isArray(args) || args.length !== expected) return "malformed-body";
  const last: unknown = args[expected - 1];
  return typeof last === "string" && FORM_REFERENCE.test(last) ? null : "malformed-body";
}
