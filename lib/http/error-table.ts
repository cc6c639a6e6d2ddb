/**
 * The one table of refusals: each code, the HTTP status it answers with and the words a person reads.
 * Domain errors (lib/access/errors.ts) carry a code, never a status; the edge gate (lib/http/edge.ts), the
 * route handlers, the server actions and the sign-in page all answer from here. No PHI, and nothing that
 * tells an outsider more than the status already does.
 */
export const errorTable = {
  "access-denied": { status: 403, message: "You are not allowed to do that. The attempt was recorded." },
  // Also for records outside the actor's scope, so existence is never revealed.
  "not-found": { status: 404, message: "Not found, or not yours to see." },
  conflict: { status: 409, message: "This was changed in the meantime. Reload the page and try again." },
  "invalid-input": { status: 400, message: "Some fields are not valid." },
  "bulk-access-limit": {
    status: 429,
    message: "Too many patient records opened in a short time. Access is paused and an auditor has been alerted.",
  },
  "export-limit": { status: 429, message: "You have reached the limit of data exports for this hour. Please try again later." },
  "break-glass-locked": {
    status: 429,
    message: "Too many wrong authentication codes. Emergency access is paused for this account and an auditor has been alerted.",
  },
  "sign-in-locked": {
    status: 429,
    message: "Too many failed attempts. Sign-in is paused for this account or network; try again in 15 minutes.",
  },
  "sign-in-invalid": { status: 401, message: "The email or password is incorrect." },
  "sign-in-wrong-portal": {
    status: 403,
    message: "This account cannot sign in here. Patients use the patient sign-in; staff use the staff sign-in.",
  },
  "cross-origin": { status: 403, message: "This request did not come from the portal's own pages, so it was refused." },
  "body-too-large": { status: 413, message: "The request is too large." },
  "unsupported-body": { status: 415, message: "The request was not sent by one of the portal's forms, so it was refused." },
  "malformed-body": { status: 400, message: "The request could not be read, so nothing was changed." },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorTable;
