import { IncomingMessage } from "node:http";
import pino, { type DestinationStream, type Logger } from "pino";
import { REQUEST_ID_HEADER } from "@/lib/auth/request-meta";
import { logPath, routeKind } from "./request";

/**
 * The process log: one JSON object a line (stdout; errors on stderr). It must stay free of PHI and secrets
 * (HIPAA 164.312(b) puts the audit trail, not the log, in charge of who saw what): requests are logged as
 * a fixed set of fields (requestFields), and any field named like personal data or a credential is
 * replaced at every depth before a line is written, so a careless `log.info({ patient })` leaks nothing.
 */

const SENSITIVE_KEYS = new Set(
  [
    "authorization", "cookie", "set-cookie", "proxy-authorization", "x-api-key",
    "password", "newpassword", "currentpassword", "secret", "token", "accesstoken", "refreshtoken", "totp", "code",
    "recoverycode", "csrftoken", "sessiontoken",
    "email", "name", "givenname", "familyname", "fullname", "birthdate", "dob", "dateofbirth", "sex", "gender",
    "ssn", "mrn", "address", "phone", "query", "search", "q", "url", "href", "body", "headers", "details", "reason",
  ],
);

export const REDACTED = "[redacted]";
const MAX_DEPTH = 6;

function sensitive(key: string): boolean {
  return SENSITIVE_KEYS.has(key.toLowerCase().replaceAll("_", ""));
}

/**
 * A copy of `value` with every sensitive key's value replaced, at any depth (bounded, cycle-safe). Errors
 * and requests are reduced to their loggable fields first, whatever key they were logged under.
 */
export function scrub(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Error) return scrub(errorFields(value), depth, seen);
  if (value instanceof IncomingMessage) return requestFields(value);
  if (depth >= MAX_DEPTH || seen.has(value)) return REDACTED;
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = sensitive(key) ? REDACTED : scrub(item, depth + 1, seen);
  return out;
}

/** An error as logged: its kind and where it was thrown; the message is capped (driver errors may quote input). */
function errorFields(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };
  const frames = error.stack?.split("\n").filter((line) => line.trimStart().startsWith("at ")).slice(0, 12);
  return { type: error.name, errorCode: (error as { code?: unknown }).code, message: error.message.slice(0, 300), stack: frames?.join("\n") };
}

/** What a request is allowed to contribute to a log line: never headers, query string, cookies or body. */
export function requestFields(req: IncomingMessage): Record<string, unknown> {
  const id = req.headers[REQUEST_ID_HEADER];
  return {
    requestId: typeof id === "string" ? id : undefined,
    method: req.method,
    kind: routeKind(req.method ?? "GET", req.url, req.headers),
    path: logPath(req.url),
  };
}

export function createLogger(destination?: DestinationStream): Logger {
  const options = {
    base: { service: "custodia" },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label: string) => ({ level: label }),
      log: (object: Record<string, unknown>) => scrub(object) as Record<string, unknown>,
    },
    // scrub() has reduced errors already; pino's own serializer would rename them "Object".
    serializers: { err: (error: unknown) => error },
  };
  return pino(options, destination ?? standardStreams());
}

/**
 * Errors and fatal start-up failures on stderr, the rest on stdout; synchronous, so the line that explains
 * an exit is written before process.exit.
 */
function standardStreams(): DestinationStream {
  return pino.multistream(
    [
      { level: "info", stream: pino.destination({ fd: 1, sync: true }) },
      { level: "error", stream: pino.destination({ fd: 2, sync: true }) },
    ],
    { dedupe: true },
  );
}

const holder = globalThis as unknown as { custodiaLog?: Logger };

/** The one process logger (kept on globalThis so Next's dev reloads share it). */
export function log(): Logger {
  holder.custodiaLog ??= createLogger();
  return holder.custodiaLog;
}
