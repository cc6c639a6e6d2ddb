import { describe, expect, it } from "vitest";
import { config, ConfigError, publicOrigins, readConfig } from "./config";

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

describe("alert rule settings", () => {
  it("default to the documented thresholds and clinic hours", () => {
    expect(readConfig({}).alertRules).toEqual({
      signInWindowSeconds: 900, failedSignInsPerAccount: 5, failedSignInsPerAddress: 20, sprayAccounts: 5,
      exportWindowSeconds: 86_400, exportsPerWindow: 20,
      clinicHours: { openMinute: 420, closeMinute: 1140, days: [1, 2, 3, 4, 5], timeZone: "UTC" },
    });
  });

  it("refuses invalid thresholds, clock times and time zones with a message naming the setting", () => {
    const refusals: [Record<string, string>, RegExp][] = [
      [{ ALERT_FAILED_SIGN_INS_PER_ACCOUNT: "1" }, /ALERT_FAILED_SIGN_INS_PER_ACCOUNT must be a whole number of at least 2/],
      [{ ALERT_FAILED_SIGN_INS_PER_ADDRESS: "many" }, /ALERT_FAILED_SIGN_INS_PER_ADDRESS/],
      [{ ALERT_SPRAY_ACCOUNTS: "0" }, /ALERT_SPRAY_ACCOUNTS must be a whole number of at least 2 accounts/],
      [{ ALERT_SIGN_IN_WINDOW_SECONDS: "10" }, /ALERT_SIGN_IN_WINDOW_SECONDS must be at least 60/],
      [{ ALERT_EXPORTS_PER_WINDOW: "0" }, /ALERT_EXPORTS_PER_WINDOW must be a whole number of at least 1/],
      [{ CLINIC_HOURS: "19:00-07:00" }, /CLINIC_HOURS must be HH:MM-HH:MM in 24-hour time with the opening before the closing/],
      [{ CLINIC_HOURS: "9am-5pm" }, /CLINIC_HOURS must be/],
      [{ CLINIC_DAYS: "Fri-Mon" }, /CLINIC_DAYS must list weekdays/],
      [{ CLINIC_TIME_ZONE: "EST+5" }, /CLINIC_TIME_ZONE must be an IANA time zone/],
      [{ CLINIC_TIME_ZONE: "Mars/Olympus_Mons" }, /CLINIC_TIME_ZONE must be an IANA time zone/],
    ];
    for (const [env, message] of refusals) expect(() => readConfig(env), JSON.stringify(env)).toThrow(message);
    expect(readConfig({ CLINIC_TIME_ZONE: "America/New_York", CLINIC_HOURS: "08:30-17:00", CLINIC_DAYS: "Mon-Sat" }).alertRules.clinicHours)
      .toEqual({ openMinute: 510, closeMinute: 1020, days: [1, 2, 3, 4, 5, 6], timeZone: "America/New_York" });
  });
});

describe("SIEM settings", () => {
  it("are off by default; a webhook needs its secret, syslog a tcp:// or tls:// address", () => {
    expect(readConfig({}).siem).toEqual({ webhook: null, syslog: null, maxAttempts: 12, retryBaseSeconds: 30 });
    const secret = "s".repeat(32);
    expect(readConfig({ SIEM_WEBHOOK_URL: "https://siem.example.org/hook", SIEM_WEBHOOK_SECRET: secret }).siem.webhook).toEqual({ url: "https://siem.example.org/hook", secret });
    expect(() => readConfig({ SIEM_WEBHOOK_URL: "https://siem.example.org/hook" })).toThrow(/SIEM_WEBHOOK_SECRET is required when SIEM_WEBHOOK_URL is set/);
    expect(() => readConfig({ SIEM_WEBHOOK_URL: "https://siem.example.org/hook", SIEM_WEBHOOK_SECRET: "short" })).toThrow(/at least 32 characters/);
    expect(() => readConfig({ SIEM_WEBHOOK_URL: "ftp://siem.example.org" , SIEM_WEBHOOK_SECRET: secret })).toThrow(/SIEM_WEBHOOK_URL must be an http\(s\) URL/);
    expect(readConfig({ SIEM_SYSLOG_URL: "tls://siem.example.org:6514", SIEM_SYSLOG_CA_FILE: "/etc/siem-ca.pem" }).siem.syslog).toEqual({ url: "tls://siem.example.org:6514", caFile: "/etc/siem-ca.pem" });
    expect(() => readConfig({ SIEM_SYSLOG_URL: "udp://siem.example.org:514" })).toThrow(/SIEM_SYSLOG_URL must be tcp:\/\/host:port or tls:\/\/host:port/);
    expect(() => readConfig({ SIEM_SYSLOG_URL: "tcp://siem.example.org:601", SIEM_SYSLOG_CA_FILE: "/etc/ca.pem" })).toThrow(/only applies to a tls:\/\//);
    expect(() => readConfig({ SIEM_MAX_ATTEMPTS: "0" })).toThrow(/SIEM_MAX_ATTEMPTS must be at least 1/);
    expect(() => readConfig({ CUSTODIA_ENV: "production", SIEM_WEBHOOK_URL: "http://siem.example.org/hook", SIEM_WEBHOOK_SECRET: secret })).toThrow(/must be an https:\/\/ URL in production/);
    expect(() => readConfig({ CUSTODIA_ENV: "production", SIEM_SYSLOG_URL: "tcp://siem.example.org:6514" })).toThrow(/SIEM_SYSLOG_URL must be a tls:\/\/ URL in production/);
    expect(readConfig({ CUSTODIA_ENV: "production", SIEM_WEBHOOK_URL: "https://siem.example.org/hook", SIEM_WEBHOOK_SECRET: secret }).siem.webhook?.url).toBe("https://siem.example.org/hook");
  });
});

describe("identity settings", () => {
  it("PATIENT_MFA is required in production and optional elsewhere unless set", () => {
    expect(readConfig({ CUSTODIA_ENV: "production" }).patientMfa).toBe("required");
    expect(readConfig({ CUSTODIA_ENV: "development" }).patientMfa).toBe("optional");
    expect(readConfig({ CUSTODIA_ENV: "production", PATIENT_MFA: "optional" }).patientMfa).toBe("optional");
    expect(readConfig({ CUSTODIA_ENV: "development", PATIENT_MFA: "required" }).patientMfa).toBe("required");
    expect(() => readConfig({ PATIENT_MFA: "sometimes" })).toThrow();
  });

  it("ACCESS_REVIEW_DORMANT_DAYS is a positive number of days, 90 by default", () => {
    expect(readConfig({}).accessReviewDormantDays).toBe(90);
    expect(readConfig({ ACCESS_REVIEW_DORMANT_DAYS: "30" }).accessReviewDormantDays).toBe(30);
    expect(() => readConfig({ ACCESS_REVIEW_DORMANT_DAYS: "0" })).toThrow();
  });
});
describe("incident register settings", () => {
  it("INCIDENT_TIME_ZONE is an IANA zone name, UTC by default", () => {
    expect(readConfig({}).incidentTimeZone).toBe("UTC");
    expect(readConfig({ INCIDENT_TIME_ZONE: "America/New_York" }).incidentTimeZone).toBe("America/New_York");
    expect(() => readConfig({ INCIDENT_TIME_ZONE: "Eastern" })).toThrow(/IANA time zone/);
  });
});

describe("parsed once", () => {
  it("hands every caller the same parsed settings, and a test that sets a variable sees it at the next call", () => {
    expect(config()).toBe(config());
    const before = config();
    process.env.EXPORTS_PER_HOUR = "7";
    try {
      expect(config()).not.toBe(before);
      expect(config().exportsPerHour).toBe(7);
    } finally {
      delete process.env.EXPORTS_PER_HOUR;
    }
    expect(config().exportsPerHour).toBe(10);
  });

  it("reads the files, cadence, embedded port, seeding and rotation batch that used to be read beside it", () => {
    const c = readConfig({ CUSTODIA_DATA_DIR: "/d", AUDIT_CHECKPOINT_MINUTES: "0.5", CUSTODIA_SEED: "0", ROTATE_BATCH_SIZE: "3" });
    expect(c).toMatchObject({
      checkpointDir: "/d/checkpoints",
      checkpointCadence: { every: 1000, minutes: 0.5 },
      erasureLedgerFile: "/d/erasure-ledger.jsonl",
      embeddedPort: 54329,
      seedDemo: false,
      keyRotationBatchSize: 3,
    });
    expect(() => readConfig({ AUDIT_CHECKPOINT_EVERY: "0" })).toThrow(/AUDIT_CHECKPOINT_EVERY must be a positive number/);
  });
});
