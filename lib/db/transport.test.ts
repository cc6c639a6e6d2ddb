import { describe, expect, it } from "vitest";
import { assertDatabaseTransport, databaseTransportProblem } from "./transport";

const production = { env: "production", databaseAllowLocalPlaintext: false } as const;
const allowLocal = { ...production, databaseAllowLocalPlaintext: true };

describe("database transport in production", () => {
  it("accepts TLS with certificate and host name checks", () => {
    expect(databaseTransportProblem("postgresql://app:pw@db.internal:5432/custodia?sslmode=verify-full", production)).toBeNull();
    expect(databaseTransportProblem("postgresql://app@db.internal/custodia?sslmode=verify-full&sslrootcert=/etc/ca.pem", production)).toBeNull();
  });

  it("refuses plaintext and TLS that does not verify who answers", () => {
    for (const mode of ["", "?sslmode=disable", "?sslmode=prefer", "?sslmode=allow", "?sslmode=require", "?sslmode=verify-ca", "?ssl=true"]) {
      const url = `postgresql://app:pw@db.internal:5432/custodia${mode}`;
      expect(databaseTransportProblem(url, production), url).toMatch(/sslmode=verify-full/);
      expect(() => assertDatabaseTransport(url, production)).toThrow(/sslmode=verify-full/);
    }
  });

  it("allows plaintext to a Unix socket or loopback address only when explicitly allowed", () => {
    const local = [
      "postgresql://app@localhost/custodia",
      "postgresql://app@127.0.0.1:5432/custodia",
      "postgresql://app@[::1]:5432/custodia",
      "postgresql:///custodia?host=/var/run/postgresql",
      "postgresql://app@%2Fvar%2Frun%2Fpostgresql/custodia",
    ];
    for (const url of local) {
      expect(databaseTransportProblem(url, production), url).toMatch(/DATABASE_ALLOW_LOCAL_PLAINTEXT/);
      expect(databaseTransportProblem(url, allowLocal), url).toBeNull();
    }
    expect(databaseTransportProblem("postgresql://app@db.internal/custodia", allowLocal)).toMatch(/verify-full/);
    expect(databaseTransportProblem("postgresql://app@127.0.0.1.evil.example/custodia", allowLocal)).toMatch(/verify-full/);
  });

  it("does not constrain development and tests", () => {
    expect(databaseTransportProblem("postgresql://postgres@db.internal/x", { env: "test", databaseAllowLocalPlaintext: false })).toBeNull();
  });
});
