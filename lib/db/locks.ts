import "server-only";
import type { Tx } from "./transaction";

/**
 * Serializes check-then-act limits per subject (an actor's exports or chart opens, a patient's open erasure
 * request) across every app instance: a transaction-scoped advisory lock, released at commit or rollback.
 * Without it, parallel requests all count the same committed rows and all pass. Take it before the count; the
 * next holder's count then sees the previous holder's committed row (READ COMMITTED takes a fresh snapshot per
 * statement). Two hashes keep scopes apart; a rare hash collision only makes two subjects wait for each other.
 */
export async function lockSubject(tx: Tx, scope: string, subjectId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${scope}), hashtext(${subjectId}))`;
}
