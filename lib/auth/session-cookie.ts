import { decode } from "next-auth/jwt";

/**
 * The session id carried by the Auth.js session cookie, read with Auth.js's own decoder: the token must
 * decrypt and authenticate under our secret, for this cookie name (the HKDF salt), and be unexpired.
 * Anything else reads as no session. Used instead of auth(), which on every call also encrypts a refreshed
 * token (a second key derivation and an AES-CBC-HMAC pass) for a cookie that a page render cannot even set;
 * the cookie's lifetime is the server-side session's anyway (sessionMaxSeconds from sign-in), and that row,
 * checked per request in lib/auth/sessions.ts, stays the authority on revocation, idleness and expiry.
 */
export async function sessionIdFromToken(token: string | undefined, cookieName: string, secret: string): Promise<string | undefined> {
  if (!token) return undefined;
  try {
    const payload = await decode({ token, secret, salt: cookieName });
    return typeof payload?.sid === "string" ? payload.sid : undefined;
  } catch {
    return undefined;
  }
}
