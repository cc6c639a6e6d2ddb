import { NextResponse, type NextRequest } from "next/server";
import { PATHNAME_HEADER, REQUEST_ID_HEADER } from "@/lib/auth/request-meta";
import { isServerActionRequest, screenActionBody } from "@/lib/http/edge";
import { errorTable } from "@/lib/http/error-table";
import { contentSecurityPolicy, staticSecurityHeaders } from "@/lib/security/headers";

/**
 * Headers, and the shape of a server action's body: authorization is never decided here but in
 * requireActor() inside each page, action and route handler, so a matcher mistake cannot open a hole.
 * Origin and declared size were already screened by server.ts; the body is read here because Next buffers
 * it for the proxy (bounded by proxyClientMaxBodySize in next.config.ts) and hands the action its own copy.
 */
export async function proxy(request: NextRequest) {
  const headers = Object.fromEntries(request.headers);
  if (isServerActionRequest(request.method, headers)) {
    const refusal = await screenActionBody(headers, await request.arrayBuffer());
    if (refusal) {
      const { status, message } = errorTable[refusal];
      return new NextResponse(`${message}\n`, { status, headers: { "Content-Type": "text/plain; charset=utf-8", ...staticSecurityHeaders } });
    }
  }
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  const csp = contentSecurityPolicy(nonce, process.env.NODE_ENV === "development");
  const forwarded = new Headers(request.headers);
  forwarded.set("x-nonce", nonce);
  // Next reads the nonce for its own scripts from the request-side policy header.
  forwarded.set("Content-Security-Policy", csp);
  forwarded.set(REQUEST_ID_HEADER, requestId(request.headers));
  forwarded.set(PATHNAME_HEADER, request.nextUrl.pathname);
  const response = NextResponse.next({ request: { headers: forwarded } });
  response.headers.set("Content-Security-Policy", csp);
  for (const [name, value] of Object.entries(staticSecurityHeaders)) response.headers.set(name, value);
  return response;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * server.ts assigns every request its id, overwriting any client copy, and logs under it; keeping it here
 * puts the same id into the audit events. Without server.ts in front (another host) a fresh one is made.
 */
function requestId(headers: Headers): string {
  const id = headers.get(REQUEST_ID_HEADER);
  return id && UUID.test(id) ? id : crypto.randomUUID();
}

export const config = {
  matcher: [{ source: "/((?!_next/static|_next/image|favicon.ico).*)" }],
};
