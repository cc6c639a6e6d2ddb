import "server-only";
import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { raisePrivilegeAlert } from "@/lib/alerts/privilege";
import { Conflict, NotFound } from "@/lib/access/errors";
import { roleSchema, type Role } from "@/lib/access/roles";
import { openSystem } from "@/lib/crypto/secret";
import { lockSubject } from "@/lib/db/locks";
import { withActor, type ActorContext } from "@/lib/db/transaction";
import { accountStatusSchema, changeRoleSchema, mfaResetSchema } from "@/lib/validation/staff";

export interface StaffAccountView {
  id: string;
  displayName: string;
  email: string;
  role: Role;
  careTeams: string[];
  mfaEnrolled: boolean;
  lastSignInAt: string | null;
  status: "active" | "disabled";
  /** The administrator looking: the console offers no role, status or MFA change on their own row. */
  self: boolean;
}

const at = (userId: string, column: string) => ({ table: "app_user", column, rowId: userId });

/** Staff accounts with what an access review needs (HIPAA 164.308(a)(3)); patients are not listed here. */
export async function listStaffAccounts(actor: Actor): Promise<StaffAccountView[]> {
  await authorize(actor, "users.manage");
  return withActor(actor, async ({ tx, audit }) => {
    const users = await tx.user.findMany({
      where: { role: { not: "patient" } },
      include: { careTeams: { include: { team: true } } },
      orderBy: { createdAt: "asc" },
    });
    const lastSessions = await tx.authSession.groupBy({
      by: ["userId"],
      where: { userId: { in: users.map((u) => u.id) } },
      _max: { createdAt: true },
    });
    const lastSignIn = new Map(lastSessions.map((s) => [s.userId, s._max.createdAt]));
    audit({ action: "user.list", details: { returned: users.length } });
    return users.map((u) => ({
      id: u.id,
      displayName: openSystem(u.displayNameEnc, at(u.id, "display_name_enc")),
      email: openSystem(u.emailEnc, at(u.id, "email_enc")),
      role: roleSchema.parse(u.role),
      careTeams: u.careTeams.map((m) => m.team.name).sort(),
      mfaEnrolled: u.mfaEnrolledAt !== null,
      lastSignInAt: lastSignIn.get(u.id)?.toISOString() ?? null,
      status: u.disabledAt ? "disabled" : "active",
      self: u.id === actor.userId,
    }));
  });
}

type Guard = "self" | "last-admin";

const guardMessages: Record<Guard, string> = {
  self: "You cannot change your own role, status or two-step verification here. Ask another administrator.",
  "last-admin": "This is the last active administrator. Give another account the administrator role first.",
};

/**
 * Refuses the change and records the attempt after the rollback (the refusal must outlive the transaction
 * that refused it), as any other denial is recorded.
 */
function refuse(ctx: ActorContext, actor: Actor, userId: string, action: string, guard: Guard): never {
  ctx.onRollback(() =>
    withActor(actor, async ({ audit }) => {
      audit({ action: "access.denied", outcome: "denied", resourceType: "user", resourceId: userId, details: { permission: "users.manage", attempted: action, guard } });
    }),
  );
  throw new Conflict(guardMessages[guard]);
}

/**
 * One transaction per change, under one lock for every change to staff accounts: "is another administrator
 * still active?" is checked and acted on by one request at a time across all app instances, so two
 * administrators demoting or disabling each other in parallel cannot leave the hospital with none.
 */
async function changeStaffAccount<T>(
  actor: Actor,
  userId: string,
  action: string,
  work: (ctx: ActorContext, target: { id: string; role: Role; disabledAt: Date | null; mfaEnrolledAt: Date | null }) => Promise<T>,
): Promise<T> {
  await authorize(actor, "users.manage", { resourceType: "user", resourceId: userId });
  return withActor(actor, async (ctx) => {
    await lockSubject(ctx.tx, "staff-accounts", "all");
    const target = await ctx.tx.user.findUnique({ where: { id: userId } });
    if (!target || target.role === "patient") throw new NotFound("staff account");
    if (target.id === actor.userId) refuse(ctx, actor, userId, action, "self");
    return work(ctx, { id: target.id, role: roleSchema.parse(target.role), disabledAt: target.disabledAt, mfaEnrolledAt: target.mfaEnrolledAt });
  });
}

async function otherActiveAdmins(ctx: ActorContext, userId: string): Promise<number> {
  return ctx.tx.user.count({ where: { role: "admin", disabledAt: null, id: { not: userId } } });
}

/** The user's sessions end at their next request: checkSession compares session_version. */
const revokeSessions = { sessionVersion: { increment: 1 } } as const;

export async function changeRole(actor: Actor, raw: unknown): Promise<void> {
  const input = changeRoleSchema.parse(raw);
  await changeStaffAccount(actor, input.userId, "user.role_change", async (ctx, target) => {
    if (target.role === input.role) return;
    if (target.role === "admin" && (await otherActiveAdmins(ctx, target.id)) === 0) {
      refuse(ctx, actor, target.id, "user.role_change", "last-admin");
    }
    await ctx.tx.user.update({ where: { id: target.id }, data: { role: input.role, ...revokeSessions } });
    ctx.audit({
      action: "user.role_change",
      resourceType: "user",
      resourceId: target.id,
      details: { before: { role: target.role }, after: { role: input.role } },
    });
    await raisePrivilegeAlert(ctx, actor.userId, { change: "role", userId: target.id, before: target.role, after: input.role });
  });
}

export async function setAccountStatus(actor: Actor, raw: unknown): Promise<void> {
  const input = accountStatusSchema.parse(raw);
  const action = input.status === "disabled" ? "user.disable" : "user.enable";
  await changeStaffAccount(actor, input.userId, action, async (ctx, target) => {
    const before = target.disabledAt ? "disabled" : "active";
    if (before === input.status) return;
    if (input.status === "disabled" && target.role === "admin" && (await otherActiveAdmins(ctx, target.id)) === 0) {
      refuse(ctx, actor, target.id, action, "last-admin");
    }
    await ctx.tx.user.update({
      where: { id: target.id },
      data: { disabledAt: input.status === "disabled" ? new Date() : null, ...revokeSessions },
    });
    ctx.audit({ action, resourceType: "user", resourceId: target.id, details: { before: { status: before }, after: { status: input.status } } });
    // Giving any staff account back its access is a privilege change like granting one (a re-enabled
    // clinician sees their teams' patients again: HIPAA 164.308(a)(4)); disabling one is too (auditors see who
    // was shut out, and when, beside the grants). An administrator's return keeps its own kind.
    if (input.status === "active") {
      await raisePrivilegeAlert(ctx, actor.userId, { change: target.role === "admin" ? "admin-enabled" : "staff-enabled", userId: target.id });
    } else {
      await raisePrivilegeAlert(ctx, actor.userId, { change: "staff-disabled", userId: target.id });
    }
  });
}

/**
 * For a lost or compromised authenticator: the secret is removed, the user's sessions end, and their next
 * sign-in goes through enrolment again (checkSession answers "enroll" for staff without TOTP). Old recovery
 * codes cannot be used meanwhile (verification needs an enrolled secret) and are replaced at re-enrolment.
 */
export async function resetMfa(actor: Actor, raw: unknown): Promise<void> {
  const input = mfaResetSchema.parse(raw);
  await changeStaffAccount(actor, input.userId, "user.mfa_reset", async (ctx, target) => {
    await ctx.tx.user.update({
      where: { id: target.id },
      data: { mfaSecretEnc: null, mfaPendingSecretEnc: null, mfaEnrolledAt: null, totpLastStep: null, ...revokeSessions },
    });
    ctx.audit({
      action: "user.mfa_reset",
      resourceType: "user",
      resourceId: target.id,
      details: { before: { mfaEnrolled: target.mfaEnrolledAt !== null }, after: { mfaEnrolled: false }, reason: input.reason },
    });
    await raisePrivilegeAlert(ctx, actor.userId, { change: "mfa-reset", userId: target.id });
  });
}
