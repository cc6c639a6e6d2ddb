import "server-only";
import { headers } from "next/headers";
import { forbidden, redirect } from "next/navigation";
import { cache } from "react";
import type { Actor, RequestMeta } from "@/lib/access/actor";
import { recordDenial } from "@/lib/access/authorize";
import { can } from "@/lib/access/permissions";
import type { Role } from "@/lib/access/roles";
import { auth } from "./next-auth";
import { PATHNAME_HEADER, requestMetaFrom } from "./request-meta";
import { checkSession } from "./sessions";

export async function currentRequestMeta(): Promise<RequestMeta> {
  return requestMetaFrom(await headers());
}

export async function currentSessionId(): Promise<string | undefined> {
  return (await auth())?.sid;
}

/**
 * The gate for every page, server action and route handler: a valid, MFA-complete, non-idle, non-revoked
 * server-side session, and (when an area is named) the role allowed there. A wrong role gets a 403 page
 * and a denial record. Cached per request, so a layout and its page check once and record one denial.
 */
export const requireActor = cache(async (area?: Role): Promise<Actor> => {
  const meta = await currentRequestMeta();
  const check = await checkSession(await currentSessionId(), meta);
  const signInPage = area === "patient" || !area ? "/sign-in" : "/staff/sign-in";
  if (check.status === "invalid") redirect(`${signInPage}?reason=${check.reason}`);
  if (check.status === "mfa") redirect(check.step === "enroll" ? "/mfa/enroll" : "/mfa");
  if (area && !can(check.actor.role, `area.${area}`)) {
    await recordDenial(check.actor, `area.${area}`, { path: (await headers()).get(PATHNAME_HEADER) ?? undefined });
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
