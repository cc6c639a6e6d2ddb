import { randomUUID } from "node:crypto";
import { encode } from "next-auth/jwt";
import { describe, expect, it } from "vitest";
import { sessionIdFromToken } from "./session-cookie";

const secret = "test-secret-0123456789abcdef0123456789abcdef";
const name = "authjs.session-token";
const sid = randomUUID();
// As Auth.js writes the cookie at sign-in: the jwt callback's token, encrypted under a key derived from the cookie name.
const issue = (overrides: { secret?: string; salt?: string; maxAge?: number; token?: Record<string, unknown> } = {}) =>
  encode({ token: overrides.token ?? { sub: "user", sid }, secret: overrides.secret ?? secret, salt: overrides.salt ?? name, maxAge: overrides.maxAge ?? 3600 });

describe("session id from the session cookie", () => {
  it("reads the sid of a token Auth.js issued for this cookie", async () => {
    expect(await sessionIdFromToken(await issue(), name, secret)).toBe(sid);
  });

  it("refuses a token sealed under another secret, or for another cookie name", async () => {
    expect(await sessionIdFromToken(await issue({ secret: "another-secret-0123456789abcdef01234567" }), name, secret)).toBeUndefined();
    expect(await sessionIdFromToken(await issue({ salt: "__Host-authjs.session-token" }), name, secret)).toBeUndefined();
  });

  it("refuses a tampered token: any changed byte of the ciphertext fails authentication", async () => {
    const token = await issue();
    const parts = token.split(".");
    const body = parts[3]!;
    parts[3] = (body[0] === "A" ? "B" : "A") + body.slice(1);
    expect(await sessionIdFromToken(parts.join("."), name, secret)).toBeUndefined();
  });

  it("refuses an expired token, and one without a session id", async () => {
    expect(await sessionIdFromToken(await issue({ maxAge: -60 }), name, secret)).toBeUndefined();
    expect(await sessionIdFromToken(await issue({ token: { sub: "user" } }), name, secret)).toBeUndefined();
    expect(await sessionIdFromToken(undefined, name, secret)).toBeUndefined();
    expect(await sessionIdFromToken("not-a-jwe", name, secret)).toBeUndefined();
  });
});
