import type { ErrorCode } from "@/lib/http/error-table";

/**
 * Domain errors thrown by services. Each carries a code of lib/http/error-table.ts, which alone decides the
 * HTTP status and the words shown; `userMessage` is set only where the service writes for the person.
 */
export abstract class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly userMessage?: string,
  ) {
    super(message);
  }
}

export class AccessDenied extends DomainError {
  /** `userMessage`: only where the refusal must say what to do instead (the permission name is never shown). */
  constructor(
    readonly permission: string,
    userMessage?: string,
  ) {
    super("access-denied", `access denied: ${permission}`, userMessage);
    this.name = "AccessDenied";
  }
}

/** Also used for records outside the actor's scope, so existence is never revealed. */
export class NotFound extends DomainError {
  constructor(what = "record") {
    super("not-found", `${what} not found`);
    this.name = "NotFound";
  }
}

/** The message is written for the person who tried, e.g. "You already have an erasure request in progress." */
export class Conflict extends DomainError {
  constructor(message: string) {
    super("conflict", message, message);
    this.name = "Conflict";
  }
}

export class InvalidInput extends DomainError {
  constructor(
    message: string,
    readonly fieldErrors: Record<string, string[]> = {},
  ) {
    super("invalid-input", message, message);
    this.name = "InvalidInput";
  }
}

/** Which limit was reached decides what the person is told (only the bulk-access guard alerts an auditor). */
export class TooManyRequests extends DomainError {
  constructor(readonly limit: Extract<ErrorCode, "bulk-access-limit" | "export-limit" | "break-glass-locked">) {
    super(limit, `too many requests: ${limit}`);
    this.name = "TooManyRequests";
  }
}
