import { describe, expect, it } from "vitest";
import { ConfigError, publicOrigins, readConfig } from "./config";

describe("public origin (CSRF reference)", () => {
  it("production refuses to run without its https origin", () => {
    expect(() => publicOrigins(readConfig({ CUSTODIA_ENV: "production" }))).toThrow(ConfigError);
    expect(() => publicOrigins(readConfig({ CUSTODIA_ENV: "production", PUBLIC_ORIGIN: "http://portal.example.org" }))).toThrow(/https/);
    expect(publicOrigins(readConfig({ CUSTODIA_ENV: "production", PUBLIC_ORIGIN: "https://Portal.Example.org/" }))).toEqual(["https://portal.example.org"]);
  });

  it("accepts an origin only, not a page address", () => {
    for (const value of ["https://portal.example.org/sign-in", "https://portal.example.org/?a=1", "ftp://portal.example.org", "portal.example.org"]) {
      expect(() => readConfig({ PUBLIC_ORIGIN: value }), value).toThrow();
    }
  });

  it("outside production defaults to this server's loopback addresses", () => {
    expect(publicOrigins(readConfig({ CUSTODIA_ENV: "test", PORT: "3100" }))).toEqual(["http://localhost:3100", "http://127.0.0.1:3100", "http://[::1]:3100"]);
    expect(publicOrigins(readConfig({ CUSTODIA_ENV: "development", PUBLIC_ORIGIN: "http://portal.test:8080" }))).toEqual(["http://portal.test:8080"]);
  });
});

describe("TRUST_PROXY", () => {
  it("is the number of reverse proxies in front, 0 by default", () => {
    expect(readConfig({}).trustProxyHops).toBe(0);
    expect(readConfig({ TRUST_PROXY: "1" }).trustProxyHops).toBe(1);
    expect(readConfig({ TRUST_PROXY: "2" }).trustProxyHops).toBe(2);
    expect(() => readConfig({ TRUST_PROXY: "yes" })).toThrow();
    expect(() => readConfig({ TRUST_PROXY: "-1" })).toThrow();
  });
});

describe("operations settings", () => {
  it("DATABASE_POOL_SIZE is a positive whole number of connections per instance, 10 by default", () => {
    expect(readConfig({}).databasePoolSize).toBe(10);
    expect(readConfig({ DATABASE_POOL_SIZE: "25" }).databasePoolSize).toBe(25);
    for (const value of ["0", "-3", "2.5", "many", "500"]) expect(() => readConfig({ DATABASE_POOL_SIZE: value }), value).toThrow();
  });

  it("METRICS_TOKEN must be long enough not to be guessed; the sealer lag bound is positive", () => {
    expect(readConfig({}).metricsToken).toBeUndefined();
    expect(readConfig({ METRICS_TOKEN: "m".repeat(32) }).metricsToken).toBe("m".repeat(32));
    expect(() => readConfig({ METRICS_TOKEN: "short" })).toThrow(/32 characters/);
    expect(readConfig({}).readyMaxSealerLagSeconds).toBe(60);
    expect(() => readConfig({ READY_MAX_SEALER_LAG_SECONDS: "0" })).toThrow();
  });
});

describe("incident register settings", () => {
  it("INCIDENT_TIME_ZONE is an IANA zone name, UTC by default", () => {
    expect(readConfig({}).incidentTimeZone).toBe("UTC");
    expect(readConfig({ INCIDENT_TIME_ZONE: "America/New_York" }).incidentTimeZone).toBe("America/New_York");
    expect(() => readConfig({ INCIDENT_TIME_ZONE: "Eastern" })).toThrow(/IANA time zone/);
  });
});
