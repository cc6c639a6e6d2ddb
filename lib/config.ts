import { join } from "node:path";
import { z } from "zod";
import { parseClinicDays, parseClinicHours, type ClinicHours } from "@/lib/alerts/clinic-hours";
import { isTimeZone } from "@/lib/validation/time-zone";

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
  // Files outside the database: point them at a volume that outlives the container (README, "Configuration").
  CUSTODIA_CHECKPOINT_DIR: z.string().optional(),
  CUSTODIA_ERASURE_LEDGER: z.string().min(1).optional(),
  AUDIT_CHECKPOINT_EVERY: z.coerce.number().positive("AUDIT_CHECKPOINT_EVERY must be a positive number").default(1000),
  AUDIT_CHECKPOINT_MINUTES: z.coerce.number().positive("AUDIT_CHECKPOINT_MINUTES must be a positive number").default(60),
  CUSTODIA_EMBEDDED_PORT: z.coerce.number().int().min(0).max(65535).default(54329),
  // 0: the development server starts without the demo accounts and patients.
  CUSTODIA_SEED: z.enum(["0", "1"]).default("1"),
  ROTATE_BATCH_SIZE: z.coerce.number().int().positive().default(200),
  SESSION_IDLE_SECONDS: z.coerce.number().int().positive().default(15 * 60),
  SESSION_MAX_SECONDS: z.coerce.number().int().positive().default(12 * 60 * 60),
  LOCKOUT_ACCOUNT_MAX_FAILURES: z.coerce.number().int().positive().default(5),
  LOCKOUT_ADDRESS_MAX_FAILURES: z.coerce.number().int().positive().default(30),
  LOCKOUT_WINDOW_SECONDS: z.coerce.number().int().positive().default(15 * 60),
  LOCKOUT_SECONDS: z.coerce.number().int().positive().default(15 * 60),
  // A patient's invitation link is spent after this many wrong birth dates in all (lockouts only pause guessing).
  ACTIVATION_MAX_WRONG_BIRTH_DATES: z.coerce.number().int().min(1, "ACTIVATION_MAX_WRONG_BIRTH_DATES must be at least 1").max(20, "ACTIVATION_MAX_WRONG_BIRTH_DATES must be at most 20").default(5),
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
  EXPORTS_PER_HOUR: z.coerce.number().int().positive().default(10),
  // 1: server.ts starts the job runner (scripts/worker.ts) as its child; 0: run `npm run worker` yourself.
  CUSTODIA_JOBS: z.enum(["0", "1"]).default("1"),
  // Long enough not to be guessed: it is compared on every scrape, without lockout.
  METRICS_TOKEN: z.string().min(32, "METRICS_TOKEN must be at least 32 characters").optional(),
  READY_MAX_SEALER_LAG_SECONDS: z.coerce.number().positive().default(60),
  AUDIT_SEAL_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(250),
  BACKUP_DIR: z.string().min(1).optional(),
  BACKUP_KEEP_DAILY: z.coerce.number().int().positive().default(35),
  BACKUP_KEEP_MONTHLY: z.coerce.number().int().nonnegative().default(72),
  // Fractions allowed so a test can let the window pass in seconds; 7 days in production (docs/decisions/0013).
  BACKUP_KEY_RETENTION_DAYS: z.coerce.number().positive().default(7),
  // smtp://user:pass@host:587 (STARTTLS when offered) or smtps://host:465; unset: the development outbox.
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  MAIL_FROM: z.string().min(3).default("Custodia <no-reply@custodia.invalid>"),
  // Detection rules (lib/alerts): counts per fixed window; README, "Alert rules".
  ALERT_SIGN_IN_WINDOW_SECONDS: z.coerce.number().int("ALERT_SIGN_IN_WINDOW_SECONDS must be a whole number of seconds").min(60, "ALERT_SIGN_IN_WINDOW_SECONDS must be at least 60").max(86_400, "ALERT_SIGN_IN_WINDOW_SECONDS must be at most 86400 (a day)").default(15 * 60),
  ALERT_FAILED_SIGN_INS_PER_ACCOUNT: z.coerce.number().int().min(2, "ALERT_FAILED_SIGN_INS_PER_ACCOUNT must be a whole number of at least 2").default(5),
  ALERT_FAILED_SIGN_INS_PER_ADDRESS: z.coerce.number().int().min(2, "ALERT_FAILED_SIGN_INS_PER_ADDRESS must be a whole number of at least 2").default(20),
  ALERT_SPRAY_ACCOUNTS: z.coerce.number().int().min(2, "ALERT_SPRAY_ACCOUNTS must be a whole number of at least 2 accounts").default(5),
  ALERT_EXPORT_WINDOW_SECONDS: z.coerce.number().int().min(60, "ALERT_EXPORT_WINDOW_SECONDS must be at least 60").max(7 * 86_400, "ALERT_EXPORT_WINDOW_SECONDS must be at most a week").default(24 * 60 * 60),
  ALERT_EXPORTS_PER_WINDOW: z.coerce.number().int().min(1, "ALERT_EXPORTS_PER_WINDOW must be a whole number of at least 1").default(20),
  CLINIC_HOURS: z.string().default("07:00-19:00").refine((v) => parseClinicHours(v) !== null, "CLINIC_HOURS must be HH:MM-HH:MM in 24-hour time with the opening before the closing, e.g. 07:00-19:00"),
  CLINIC_DAYS: z.string().default("Mon-Fri").refine((v) => parseClinicDays(v) !== null, "CLINIC_DAYS must list weekdays as Mon-Fri, Mon,Wed,Fri or Mon-Fri,Sat"),
  CLINIC_TIME_ZONE: z.string().default("UTC").refine(isTimeZone, "CLINIC_TIME_ZONE must be an IANA time zone such as Europe/Paris or America/New_York"),
  // SIEM delivery (lib/alerts/delivery): either, both or neither.
  SIEM_WEBHOOK_URL: z.url({ protocol: /^https?$/, error: "SIEM_WEBHOOK_URL must be an http(s) URL" }).optional(),
  SIEM_WEBHOOK_SECRET: z.string().min(32, "SIEM_WEBHOOK_SECRET must be at least 32 characters").optional(),
  SIEM_SYSLOG_URL: z.url({ protocol: /^(tcp|tls)$/, error: "SIEM_SYSLOG_URL must be tcp://host:port or tls://host:port" }).optional(),
  SIEM_SYSLOG_CA_FILE: z.string().min(1).optional(),
  SIEM_MAX_ATTEMPTS: z.coerce.number().int().min(1, "SIEM_MAX_ATTEMPTS must be at least 1").max(100).default(12),
  SIEM_RETRY_BASE_SECONDS: z.coerce.number().min(0.01, "SIEM_RETRY_BASE_SECONDS must be positive").max(3600).default(30),
  // Unset: required in production, optional elsewhere (readConfig).
  PATIENT_MFA: z.enum(["required", "optional"]).optional(),
  ACCESS_REVIEW_DORMANT_DAYS: z.coerce.number().int().positive().max(3650).default(90),
  // Who patients contact about a breach letter (HIPAA 164.404(c)(1)(E)): a phone, address or e-mail.
  PRIVACY_OFFICE_CONTACT: z.string().trim().min(5).max(300).default("the Privacy Office, privacy@custodia.invalid"),
  // Where the privacy office works: breach deadlines are shown in this zone (arithmetic stays in UTC).
  INCIDENT_TIME_ZONE: z.string().refine(isTimeZone, "an IANA time zone name, e.g. Europe/Berlin or America/New_York").default("UTC"),
}).superRefine((e, issues) => {
  // Alerts name accounts, addresses and pseudonyms: in production they leave only over TLS (https:// webhook, tls:// syslog).
  const production = (e.CUSTODIA_ENV ?? (e.NODE_ENV === "production" ? "production" : "development")) === "production";
  if (production && e.SIEM_WEBHOOK_URL?.startsWith("http:")) issues.addIssue({ code: "custom", path: ["SIEM_WEBHOOK_URL"], message: "SIEM_WEBHOOK_URL must be an https:// URL in production" });
  if (e.SIEM_WEBHOOK_URL && !e.SIEM_WEBHOOK_SECRET) issues.addIssue({ code: "custom", path: ["SIEM_WEBHOOK_SECRET"], message: "SIEM_WEBHOOK_SECRET is required when SIEM_WEBHOOK_URL is set (the receiver checks the signature with it)" });
  if (production && e.SIEM_SYSLOG_URL?.startsWith("tcp:")) issues.addIssue({ code: "custom", path: ["SIEM_SYSLOG_URL"], message: "SIEM_SYSLOG_URL must be a tls:// URL in production" });
  if (e.SIEM_SYSLOG_CA_FILE && !e.SIEM_SYSLOG_URL?.startsWith("tls:")) issues.addIssue({ code: "custom", path: ["SIEM_SYSLOG_CA_FILE"], message: "SIEM_SYSLOG_CA_FILE only applies to a tls:// SIEM_SYSLOG_URL" });
});

export type AppEnv = "production" | "development" | "test";

export interface Config {
  env: AppEnv;
  databaseUrl: string | undefined;
  migrationDatabaseUrl: string | undefined;
  databasePoolSize: number;
  dataDir: string;
  keyDir: string;
  /** Signed audit checkpoints and the published head of the chain. */
  checkpointDir: string;
  /** Signed every N events or M minutes, whichever comes first. */
  checkpointCadence: { every: number; minutes: number };
  /** Erasures replayed after a restore (docs/decisions/0006). */
  erasureLedgerFile: string;
  /** Where the embedded development database listens when no DATABASE_URL is set. */
  embeddedPort: number;
  seedDemo: boolean;
  /** Patient data keys rewrapped per transaction by `npm run keys:rotate`. */
  keyRotationBatchSize: number;
  sessionIdleSeconds: number;
  sessionMaxSeconds: number;
  lockout: { accountMaxFailures: number; addressMaxFailures: number; windowSeconds: number; lockSeconds: number };
  /** Wrong birth dates after which a patient's invitation link stops working for good. */
  activationMaxWrongBirthDates: number;
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
  exportsPerHour: number;
  jobsInServer: boolean;
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
  /** Retention: also the oldest backup of each of the newest N calendar months (UTC); 72 = six years. */
  backupKeepMonthly: number;
  /** Key backups older than this are pruned (the newest is always kept): the erasure guarantee's window. */
  backupKeyRetentionDays: number;
  /** Where activation and password-reset links are sent; unset outside production: the outbox folder. */
  smtpUrl: string | undefined;
  mailFrom: string;
  alertRules: {
    signInWindowSeconds: number;
    failedSignInsPerAccount: number;
    failedSignInsPerAddress: number;
    sprayAccounts: number;
    exportWindowSeconds: number;
    exportsPerWindow: number;
    clinicHours: ClinicHours;
  };
  siem: {
    webhook: { url: string; secret: string } | null;
    syslog: { url: string; caFile: string | undefined } | null;
    maxAttempts: number;
    retryBaseSeconds: number;
  };
  /** Whether a patient must enrol TOTP before any patient page or action (HIPAA 164.312(d) for PHI access). */
  patientMfa: "required" | "optional";
  /** The access review calls an account dormant after this many days without a sign-in. */
  accessReviewDormantDays: number;
  /** IANA zone in which the incident register shows deadlines and ends a calendar year (HHS annual log). */
  incidentTimeZone: string;
  /** Printed on breach notification letters as the way to reach the privacy office. */
  privacyOfficeContact: string;
}

export function readConfig(source: Record<string, string | undefined> = process.env): Config {
  const e = envSchema.parse(source);
  const env = e.CUSTODIA_ENV ?? (e.NODE_ENV === "production" ? "production" : "development");
  return {
    env,
    databaseUrl: e.DATABASE_URL,
    migrationDatabaseUrl: e.MIGRATION_DATABASE_URL ?? e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    dataDir: e.CUSTODIA_DATA_DIR,
    keyDir: e.CUSTODIA_KEY_DIR,
    checkpointDir: e.CUSTODIA_CHECKPOINT_DIR || join(e.CUSTODIA_DATA_DIR, "checkpoints"),
    checkpointCadence: { every: e.AUDIT_CHECKPOINT_EVERY, minutes: e.AUDIT_CHECKPOINT_MINUTES },
    erasureLedgerFile: e.CUSTODIA_ERASURE_LEDGER ?? join(e.CUSTODIA_DATA_DIR, "erasure-ledger.jsonl"),
    embeddedPort: e.CUSTODIA_EMBEDDED_PORT,
    seedDemo: e.CUSTODIA_SEED === "1",
    keyRotationBatchSize: e.ROTATE_BATCH_SIZE,
    sessionIdleSeconds: e.SESSION_IDLE_SECONDS,
    sessionMaxSeconds: e.SESSION_MAX_SECONDS,
    lockout: {
      accountMaxFailures: e.LOCKOUT_ACCOUNT_MAX_FAILURES,
      addressMaxFailures: e.LOCKOUT_ADDRESS_MAX_FAILURES,
      windowSeconds: e.LOCKOUT_WINDOW_SECONDS,
      lockSeconds: e.LOCKOUT_SECONDS,
    },
    activationMaxWrongBirthDates: e.ACTIVATION_MAX_WRONG_BIRTH_DATES,
    trustProxyHops: e.TRUST_PROXY,
    port: e.PORT,
    host: e.HOST,
    publicOrigin: e.PUBLIC_ORIGIN && new URL(e.PUBLIC_ORIGIN).origin,
    databaseAllowLocalPlaintext: e.DATABASE_ALLOW_LOCAL_PLAINTEXT === "1",
    breakGlassMinutes: e.BREAK_GLASS_MINUTES,
    bulkAccess: { maxPatients: e.BULK_ACCESS_MAX_PATIENTS, windowSeconds: e.BULK_ACCESS_WINDOW_SECONDS },
    erasureGraceSeconds: e.ERASURE_GRACE_SECONDS,
    exportsPerHour: e.EXPORTS_PER_HOUR,
    jobsInServer: e.CUSTODIA_JOBS === "1",
    metricsToken: e.METRICS_TOKEN,
    readyMaxSealerLagSeconds: e.READY_MAX_SEALER_LAG_SECONDS,
    auditSealIntervalMs: e.AUDIT_SEAL_INTERVAL_MS,
    backupDir: e.BACKUP_DIR ?? join(e.CUSTODIA_DATA_DIR, "backups"),
    backupKeepDaily: e.BACKUP_KEEP_DAILY,
    backupKeepMonthly: e.BACKUP_KEEP_MONTHLY,
    backupKeyRetentionDays: e.BACKUP_KEY_RETENTION_DAYS,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    alertRules: {
      signInWindowSeconds: e.ALERT_SIGN_IN_WINDOW_SECONDS,
      failedSignInsPerAccount: e.ALERT_FAILED_SIGN_INS_PER_ACCOUNT,
      failedSignInsPerAddress: e.ALERT_FAILED_SIGN_INS_PER_ADDRESS,
      sprayAccounts: e.ALERT_SPRAY_ACCOUNTS,
      exportWindowSeconds: e.ALERT_EXPORT_WINDOW_SECONDS,
      exportsPerWindow: e.ALERT_EXPORTS_PER_WINDOW,
      clinicHours: { ...parseClinicHours(e.CLINIC_HOURS)!, days: parseClinicDays(e.CLINIC_DAYS)!, timeZone: e.CLINIC_TIME_ZONE },
    },
    siem: {
      webhook: e.SIEM_WEBHOOK_URL && e.SIEM_WEBHOOK_SECRET ? { url: e.SIEM_WEBHOOK_URL, secret: e.SIEM_WEBHOOK_SECRET } : null,
      syslog: e.SIEM_SYSLOG_URL ? { url: e.SIEM_SYSLOG_URL, caFile: e.SIEM_SYSLOG_CA_FILE } : null,
      maxAttempts: e.SIEM_MAX_ATTEMPTS,
      retryBaseSeconds: e.SIEM_RETRY_BASE_SECONDS,
    },
    patientMfa: e.PATIENT_MFA ?? (env === "production" ? "required" : "optional"),
    accessReviewDormantDays: e.ACCESS_REVIEW_DORMANT_DAYS,
    incidentTimeZone: e.INCIDENT_TIME_ZONE,
    privacyOfficeContact: e.PRIVACY_OFFICE_CONTACT,
  };
}

let parsed: Config | undefined;

/** Parsed once, at the first call (server.ts makes that call before serving, so a bad setting stops the start). */
export function config(): Config {
  return (parsed ??= readConfig());
}

/**
 * Tests only: the next config() parses the environment again. tests/setup/config.ts calls it whenever a test
 * changes process.env, so a test can still set a variable for one case.
 */
export function resetConfig(): void {
  parsed = undefined;
}

/**
 * The embedded database's address is known only once it listens: for this process's config and for the
 * children it starts (seed, job runner), which read the environment.
 */
export function setDatabaseUrl(url: string): void {
  process.env.DATABASE_URL = url;
  parsed = undefined;
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
