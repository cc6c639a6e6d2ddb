import { join } from "node:path";
import { z } from "zod";
import { isTimeZone } from "./incidents/clocks";

function isBareOrigin(value: string): boolean {
  return new URL(value).origin === value.replace(/\/$/, "").toLowerCase();
}

/**
 * Runtime configuration, read once from the environment and validated.
 * `CUSTODIA_ENV` decides the deployment mode; when unset, a production Node build counts as production,
 * so `next start` with no configuration fails closed instead of running with development keys.
 */
const envSchema = z.object({
  CUSTODIA_ENV: z.enum(["production", "development", "test"]).optional(),
  NODE_ENV: z.string().optional(),
  DATABASE_URL: z.string().url().optional(),
  MIGRATION_DATABASE_URL: z.string().url().optional(),
  // Connections per instance: N instances open up to N × this many (README, "Running several instances").
  DATABASE_POOL_SIZE: z.coerce.number().int().positive().max(200).default(10),
  CUSTODIA_DATA_DIR: z.string().default(".data"),
  CUSTODIA_KEY_DIR: z.string().default(".keys"),
  SESSION_IDLE_SECONDS: z.coerce.number().int().positive().default(15 * 60),
  SESSION_MAX_SECONDS: z.coerce.number().int().positive().default(12 * 60 * 60),
  LOCKOUT_ACCOUNT_MAX_FAILURES: z.coerce.number().int().positive().default(5),
  LOCKOUT_ADDRESS_MAX_FAILURES: z.coerce.number().int().positive().default(30),
  LOCKOUT_WINDOW_SECONDS: z.coerce.number().int().positive().default(15 * 60),
  LOCKOUT_SECONDS: z.coerce.number().int().positive().default(15 * 60),
  // How many reverse proxies stand between the client and server.ts; each appends one X-Forwarded-For entry.
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("127.0.0.1"),
  PUBLIC_ORIGIN: z.url({ protocol: /^https?$/ }).refine(isBareOrigin, "an origin only: scheme, host and port, no path").optional(),
  DATABASE_ALLOW_LOCAL_PLAINTEXT: z.enum(["0", "1"]).default("0"),
  // At most 8 hours: the database refuses longer grants (0009_second_wall).
  BREAK_GLASS_MINUTES: z.coerce.number().positive().max(480).default(60),
  BULK_ACCESS_MAX_PATIENTS: z.coerce.number().int().positive().default(100),
  BULK_ACCESS_WINDOW_SECONDS: z.coerce.number().int().positive().default(300),
  ERASURE_GRACE_SECONDS: z.coerce.number().int().nonnegative().default(30 * 24 * 60 * 60),
  RETENTION_YEARS: z.coerce.number().positive().default(10),
  EXPORTS_PER_HOUR: z.coerce.number().int().positive().default(10),
  // Long enough not to be guessed: it is compared on every scrape, without lockout.
  METRICS_TOKEN: z.string().min(32, "METRICS_TOKEN must be at least 32 characters").optional(),
  READY_MAX_SEALER_LAG_SECONDS: z.coerce.number().positive().default(60),
  AUDIT_SEAL_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(250),
  BACKUP_DIR: z.string().min(1).optional(),
  BACKUP_KEEP_DAILY: z.coerce.number().int().positive().default(35),
  // smtp://user:pass@host:587 (STARTTLS when offered) or smtps://host:465; unset: the development outbox.
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  MAIL_FROM: z.string().min(3).default("Custodia <no-reply@custodia.invalid>"),
  // Where the privacy office works: breach deadlines are shown in this zone (arithmetic stays in UTC).
  // Who patients contact about a breach letter (HIPAA 164.404(c)(1)(E)): a phone, address or e-mail.
  PRIVACY_OFFICE_CONTACT: z.string().trim().min(5).max(300).default("the Privacy Office, privacy@custodia.invalid"),
  INCIDENT_TIME_ZONE: z.string().refine(isTimeZone, "an IANA time zone name, e.g. Europe/Berlin or America/New_York").default("UTC"),
});

export type AppEnv = "production" | "development" | "test";

export interface Config {
  env: AppEnv;
  databaseUrl: string | undefined;
  migrationDatabaseUrl: string | undefined;
  databasePoolSize: number;
  dataDir: string;
  keyDir: string;
  sessionIdleSeconds: number;
  sessionMaxSeconds: number;
  lockout: { accountMaxFailures: number; addressMaxFailures: number; windowSeconds: number; lockSeconds: number };
  /** Reverse proxies in front of server.ts (0: clients connect directly). */
  trustProxyHops: number;
  port: number;
  host: string;
  /** Set in production; elsewhere derived from PORT (see publicOrigins()). */
  publicOrigin: string | undefined;
  /** Production only: a plaintext database connection is allowed to a Unix socket or loopback address. */
  databaseAllowLocalPlaintext: boolean;
  breakGlassMinutes: number;
  bulkAccess: { maxPatients: number; windowSeconds: number };
  erasureGraceSeconds: number;
  retentionYears: number;
  exportsPerHour: number;
  /** Bearer token for GET /metrics; without it only loopback may scrape, and only with TRUST_PROXY=0. */
  metricsToken: string | undefined;
  /** /readyz fails while the oldest unsealed audit event is older than this. */
  readyMaxSealerLagSeconds: number;
  /** How often the audit sealer chains committed events: the window in which a fresh event is unsealed. */
  auditSealIntervalMs: number;
  /** Where encrypted backups and their manifests are written; off the database host in production. */
  backupDir: string;
  /** Retention: the newest backup of each of the newest N days is kept, every other one pruned. */
  backupKeepDaily: number;
  /** Where activation and password-reset links are sent; unset outside production: the outbox folder. */
  smtpUrl: string | undefined;
  mailFrom: string;
  /** IANA zone in which the incident register shows deadlines and ends a calendar year (HHS annual log). */
  incidentTimeZone: string;
  /** Printed on breach notification letters as the way to reach the privacy office. */
  privacyOfficeContact: string;
}

export function readConfig(source: Record<string, string | undefined> = process.env): Config {
  const e = envSchema.parse(source);
  return {
    env: e.CUSTODIA_ENV ?? (e.NODE_ENV === "production" ? "production" : "development"),
    databaseUrl: e.DATABASE_URL,
    migrationDatabaseUrl: e.MIGRATION_DATABASE_URL ?? e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    dataDir: e.CUSTODIA_DATA_DIR,
    keyDir: e.CUSTODIA_KEY_DIR,
    sessionIdleSeconds: e.SESSION_IDLE_SECONDS,
    sessionMaxSeconds: e.SESSION_MAX_SECONDS,
    lockout: {
      accountMaxFailures: e.LOCKOUT_ACCOUNT_MAX_FAILURES,
      addressMaxFailures: e.LOCKOUT_ADDRESS_MAX_FAILURES,
      windowSeconds: e.LOCKOUT_WINDOW_SECONDS,
      lockSeconds: e.LOCKOUT_SECONDS,
    },
    trustProxyHops: e.TRUST_PROXY,
    port: e.PORT,
    host: e.HOST,
    publicOrigin: e.PUBLIC_ORIGIN && new URL(e.PUBLIC_ORIGIN).origin,
    databaseAllowLocalPlaintext: e.DATABASE_ALLOW_LOCAL_PLAINTEXT === "1",
    breakGlassMinutes: e.BREAK_GLASS_MINUTES,
    bulkAccess: { maxPatients: e.BULK_ACCESS_MAX_PATIENTS, windowSeconds: e.BULK_ACCESS_WINDOW_SECONDS },
    erasureGraceSeconds: e.ERASURE_GRACE_SECONDS,
    retentionYears: e.RETENTION_YEARS,
    exportsPerHour: e.EXPORTS_PER_HOUR,
    metricsToken: e.METRICS_TOKEN,
    readyMaxSealerLagSeconds: e.READY_MAX_SEALER_LAG_SECONDS,
    auditSealIntervalMs: e.AUDIT_SEAL_INTERVAL_MS,
    backupDir: e.BACKUP_DIR ?? join(e.CUSTODIA_DATA_DIR, "backups"),
    backupKeepDaily: e.BACKUP_KEEP_DAILY,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    incidentTimeZone: e.INCIDENT_TIME_ZONE,
    privacyOfficeContact: e.PRIVACY_OFFICE_CONTACT,
  };
}

/** Read on every call (microseconds): tests and the e2e servers change settings through the environment. */
export function config(): Config {
  return readConfig();
}

export function isProduction(): boolean {
  return config().env === "production";
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/**
 * The origins whose pages may send state-changing requests (CSRF defence, lib/http/edge.ts). Production
 * names its one public origin; development and tests accept this server's loopback addresses, since a
 * developer may open either localhost or 127.0.0.1.
 */
export function publicOrigins(cfg: Config = config()): string[] {
  if (cfg.env === "production") {
    // Cookies are Secure and HSTS is sent: a production portal is only ever reached over HTTPS.
    if (!cfg.publicOrigin?.startsWith("https://")) throw new ConfigError("PUBLIC_ORIGIN must be set to the portal's https:// origin in production, e.g. https://portal.example.org");
    return [cfg.publicOrigin];
  }
  if (cfg.publicOrigin) return [cfg.publicOrigin];
  return ["localhost", "127.0.0.1", "[::1]"].map((host) => `http://${host}:${cfg.port}`);
}
