import "server-only";
import { cookies, headers } from "next/headers";
import { forbidden, redirect } from "next/navigation";
import { cache } from "react";
import type { Actor, RequestMeta } from "@/lib/access/actor";
import { recordDenial } from "@/lib/access/authorize";
import { can } from "@/lib/access/permissions";
import type { Role } from "@/lib/access/roles";
import { isProduction } from "@/lib/config";
import { authCookies } from "./cookies";
import { authJsSecret } from "./next-auth";
import { PATHNAME_HEADER, REQUEST_ID_HEADER, requestMetaFrom } from "./request-meta";
import { checkSession } from "./sessions";
import { sessionIdFromToken } from "./session-cookie";

export async function currentRequestMeta(): Promise<RequestMeta> {
  return requestMetaFrom(await headers());
}

export async function currentSessionId(): Promise<string | undefined> {
  const { name } = authCookies(isProduction()).sessionToken;
  return sessionIdFromToken((await cookies()).get(name)?.value, name, authJsSecret());
}

/**
 * A refused server action is followed, in the same HTTP request, by Next rendering the page it was posted
 * to; the action and that render are separate React cache scopes, so the area gate runs in both and would
 * record one attempt twice. Keyed by the request id proxy.ts assigns (never client-supplied); bounded.
 */
const deniedRequests = ((globalThis as { custodiaDeniedRequests?: Set<string> }).custodiaDeniedRequests ??= new Set());
const DENIED_REQUESTS_KEPT = 1_000;

function firstDenialOf(requestId: string | null, area: Role): boolean {
  if (!requestId) return true;
  const key = `${requestId}|${area}`;
  if (deniedRequests.has(key)) return false;
  deniedRequests.add(key);
  if (deniedRequests.size > DENIED_REQUESTS_KEPT) deniedRequests.delete(deniedRequests.values().next().value!);
  return true;
}

/**
 * The gate for every page, server action and route handler: a valid, MFA-complete, non-idle, non-revoked
 * server-side session, and (when an area is named) the role allowed there. A wrong role gets a 403 and
 * one denial record per request (cached per render, and deduplicated across an action and its render).
 */
export const requireActor = cache(async (area?: Role): Promise<Actor> => {
  const meta = await currentRequestMeta();
  const check = await checkSession(await currentSessionId(), meta);
  const signInPage = area === "patient" || !area ? "/sign-in" : "/staff/sign-in";
  if (check.status === "invalid") redirect(`${signInPage}?reason=${check.reason}`);
  if (check.status === "mfa") redirect(check.step === "enroll" ? "/mfa/enroll" : "/mfa");
  if (area && !can(check.actor.role, `area.${area}`)) {
    const requestHeaders = await headers();
    if (firstDenialOf(requestHeaders.get(REQUEST_ID_HEADER), area)) {
      await recordDenial(check.actor, `area.${area}`, { path: requestHeaders.get(PATHNAME_HEADER) ?? undefined });
    }
    forbidden();
  }
  return check.actor;
});

/** For the MFA pages: a session that passed the password step and still owes its second factor. */
export async function requirePendingMfa(step: "verify" | "enroll"): Promise<{ sessionId: string; userId: string }> {
  const check = await checkSession(await currentSessionId(), await currentRequestMeta());
  if (check.status === "invalid") redirect(`/sign-in?reason=${check.reason}`);
  if (check.status === "active") redirect("/");
  if (check.step !== step) redirect(check.step === "enroll" ? "/mfa/enroll" : "/mfa");
  return { sessionId: check.sessionId, userId: check.userId };
}
