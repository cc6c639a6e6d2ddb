import { describe, expect, it } from "vitest";
import { authCookies } from "./cookies";

describe("auth cookies", () => {
  it("in production every cookie is __Host-: Secure, Path=/ and no Domain, as browsers require for the prefix", () => {
    for (const cookie of Object.values(authCookies(true))) {
      expect(cookie.name).toMatch(/^__Host-authjs\./);
      expect(cookie.options).toEqual({ httpOnly: true, sameSite: "lax", path: "/", secure: true });
      expect(cookie.options).not.toHaveProperty("domain");
    }
    expect(authCookies(true).sessionToken.name).toBe("__Host-authjs.session-token");
  });

  it("over plain HTTP (development, tests) the names carry no prefix a browser would reject", () => {
    for (const cookie of Object.values(authCookies(false))) {
      expect(cookie.name).toMatch(/^authjs\./);
      expect(cookie.options.secure).toBe(false);
    }
  });
});
