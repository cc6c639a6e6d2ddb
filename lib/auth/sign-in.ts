import "server-only";
import type { RequestMeta } from "@/lib/access/actor";
import { roleSchema } from "@/lib/access/roles";
import { isProduction } from "@/lib/config";
import { blindIndex } from "@/lib/crypto/blind-index";
import { withSystem } from "@/lib/db/transaction";
import type { SignInInput } from "@/lib/validation/auth";
import { burnPasswordCheck, verifyPassword } from "./password";
import { createSession } from "./sessions";
import { clearFailures, isLocked, registerFailure, throttleKeys } from "./throttle";

export type SignInResult =
  | { ok: true; userId: string; sessionId: string }
  | { ok: false; reason: "invalid" | "locked" | "wrong-portal" };

/**
 * First factor. Unknown account, wrong password, disabled account and demo account in production all
 * answer "invalid" after the same argon2 work, so the response is no account-existence oracle.
 */
export async function passwordSignIn(input: SignInInput, request: RequestMeta): Promise<SignInResult> {
  const emailBidx = blindIndex("email", input.email);
  const keys = throttleKeys(emailBidx, request.ip);

  const candidate = await withSystem(request, async ({ tx, audit }) => {
    if (await isLocked(tx, keys)) {
      audit({ action: "auth.sign_in", outcome: "denied", actorId: null, actorRole: null, details: { reason: "locked" } });
      return "locked" as const;
    }
    return tx.user.findUnique({ where: { emailBidx } });
  });
  if (candidate === "locked") return { ok: false, reason: "locked" };

  const passwordOk = candidate
    ? await verifyPassword(candidate.passwordHash, input.password)
    : await burnPasswordCheck(input.password);
  const refusal = !candidate
    ? "unknown-account"
    : !passwordOk
      ? "wrong-password"
      : candidate.disabledAt
        ? "disabled"
        : candidate.isDemo && isProduction()
          ? "demo-account-in-production"
          : null;

  return withSystem(request, async ({ tx, audit }) => {
    const actorId = candidate?.id ?? null;
    const actorRole = candidate?.role ?? null;
    if (refusal || !candidate) {
      const locked = await registerFailure(tx, keys);
      audit({ action: "auth.sign_in", outcome: "denied", actorId, actorRole, details: { reason: refusal ?? "unknown-account" } });
      for (const key of locked) {
        audit({ action: "auth.lockout", outcome: "denied", actorId, actorRole, details: { scope: key.split(":")[0] ?? "" } });
      }
      return { ok: false, reason: locked.length > 0 ? "locked" : "invalid" } as const;
    }
    const role = roleSchema.parse(candidate.role);
    if ((input.portal === "patient") !== (role === "patient")) {
      audit({ action: "auth.sign_in", outcome: "denied", actorId, actorRole, details: { reason: "wrong-portal", portal: input.portal } });
      return { ok: false, reason: "wrong-portal" } as const;
    }
    await clearFailures(tx, keys[0]!);
    const sessionId = await createSession(tx, candidate, request);
    audit({ action: "auth.sign_in", actorId, actorRole, resourceType: "session", resourceId: sessionId, details: { factor: "password" } });
    return { ok: true, userId: candidate.id, sessionId } as const;
  });
}
