import { z } from "zod";

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
  CUSTODIA_DATA_DIR: z.string().default(".data"),
  CUSTODIA_KEY_DIR: z.string().default(".keys"),
  SESSION_IDLE_SECONDS: z.coerce.number().int().positive().default(15 * 60),
  SESSION_MAX_SECONDS: z.coerce.number().int().positive().default(12 * 60 * 60),
  LOCKOUT_ACCOUNT_MAX_FAILURES: z.coerce.number().int().positive().default(5),
  LOCKOUT_ADDRESS_MAX_FAILURES: z.coerce.number().int().positive().default(30),
  LOCKOUT_WINDOW_SECONDS: z.coerce.number().int().positive().default(15 * 60),
  LOCKOUT_SECONDS: z.coerce.number().int().positive().default(15 * 60),
  TRUST_PROXY: z.enum(["0", "1"]).default("0"),
  // At most 8 hours: the database refuses longer grants (0009_second_wall).
  BREAK_GLASS_MINUTES: z.coerce.number().positive().max(480).default(60),
  BULK_ACCESS_MAX_PATIENTS: z.coerce.number().int().positive().default(100),
  BULK_ACCESS_WINDOW_SECONDS: z.coerce.number().int().positive().default(300),
  ERASURE_GRACE_SECONDS: z.coerce.number().int().nonnegative().default(30 * 24 * 60 * 60),
  RETENTION_YEARS: z.coerce.number().positive().default(10),
  EXPORTS_PER_HOUR: z.coerce.number().int().positive().default(10),
});

export type AppEnv = "production" | "development" | "test";

export interface Config {
  env: AppEnv;
  databaseUrl: string | undefined;
  migrationDatabaseUrl: string | undefined;
  dataDir: string;
  keyDir: string;
  sessionIdleSeconds: number;
  sessionMaxSeconds: number;
  lockout: { accountMaxFailures: number; addressMaxFailures: number; windowSeconds: number; lockSeconds: number };
  trustProxy: boolean;
  breakGlassMinutes: number;
  bulkAccess: { maxPatients: number; windowSeconds: number };
  erasureGraceSeconds: number;
  retentionYears: number;
  exportsPerHour: number;
}

export function readConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const e = envSchema.parse(source);
  return {
    env: e.CUSTODIA_ENV ?? (e.NODE_ENV === "production" ? "production" : "development"),
    databaseUrl: e.DATABASE_URL,
    migrationDatabaseUrl: e.MIGRATION_DATABASE_URL ?? e.DATABASE_URL,
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
    trustProxy: e.TRUST_PROXY === "1",
    breakGlassMinutes: e.BREAK_GLASS_MINUTES,
    bulkAccess: { maxPatients: e.BULK_ACCESS_MAX_PATIENTS, windowSeconds: e.BULK_ACCESS_WINDOW_SECONDS },
    erasureGraceSeconds: e.ERASURE_GRACE_SECONDS,
    retentionYears: e.RETENTION_YEARS,
    exportsPerHour: e.EXPORTS_PER_HOUR,
  };
}

/** Read on every call (microseconds): tests and the e2e servers change settings through the environment. */
export function config(): Config {
  return readConfig();
}

export function isProduction(): boolean {
  return config().env === "production";
}
