/** Domain errors thrown by services and mapped to HTTP status and user messages in lib/http/errors.ts. */
export class AccessDenied extends Error {
  readonly status = 403;
  constructor(readonly permission: string) {
    super(`access denied: ${permission}`);
    this.name = "AccessDenied";
  }
}

/** Also used for records outside the actor's scope, so existence is never revealed. */
export class NotFound extends Error {
  readonly status = 404;
  constructor(what = "record") {
    super(`${what} not found`);
    this.name = "NotFound";
  }
}

export class Conflict extends Error {
  readonly status = 409;
  constructor(message: string) {
    super(message);
    this.name = "Conflict";
  }
}

export class InvalidInput extends Error {
  readonly status = 400;
  constructor(
    message: string,
    readonly fieldErrors: Record<string, string[]> = {},
  ) {
    super(message);
    this.name = "InvalidInput";
  }
}

export class TooManyRequests extends Error {
  readonly status = 429;
  constructor(
    message = "too many requests",
    /** Shown to the user; defaults to the bulk-access wording, the first limit that used this error. */
    readonly userMessage = "Too many patient records opened in a short time. Access is paused and an auditor has been alerted.",
  ) {
    super(message);
    this.name = "TooManyRequests";
  }
}
