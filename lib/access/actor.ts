import type { Role } from "./roles";

/** Who is asking, as established by lib/auth from a verified server-side session. */
export interface Actor {
  userId: string;
  role: Role;
  /** Set only for patients: the one patient record they are. */
  patientId: string | null;
  sessionId: string | null;
  request: RequestMeta;
}

/** Where a request came from; recorded with every audit event. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

export const noRequest: RequestMeta = { ip: null, userAgent: null, requestId: null };
