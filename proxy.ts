import { NextResponse, type NextRequest } from "next/server";
import { PATHNAME_HEADER, REQUEST_ID_HEADER } from "@/lib/auth/request-meta";
import { contentSecurityPolicy, staticSecurityHeaders } from "@/lib/security/headers";

/**
 * Headers only: authorization is never decided here but in requireActor() inside each page, action and
 * route handler, so a matcher mistake cannot open a hole.
 */
export function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  const csp = contentSecurityPolicy(nonce, process.env.NODE_ENV === "development");
  const forwarded = new Headers(request.headers);
  forwarded.set("x-nonce", nonce);
  // Next reads the nonce for its own scripts from the request-side policy header.
  forwarded.set("Content-Security-Policy", csp);
  forwarded.set(REQUEST_ID_HEADER, crypto.randomUUID());
  forwarded.set(PATHNAME_HEADER, request.nextUrl.pathname);
  const response = NextResponse.next({ request: { headers: forwarded } });
  response.headers.set("Content-Security-Policy", csp);
  for (const [name, value] of Object.entries(staticSecurityHeaders)) response.headers.set(name, value);
  return response;
}

export const config = {
  matcher: [{ source: "/((?!_next/static|_next/image|favicon.ico).*)" }],
};
