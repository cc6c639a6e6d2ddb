import "server-only";
import { noRequest } from "@/lib/access/actor";
import { Conflict } from "@/lib/access/errors";
import { lockSubject } from "@/lib/db/locks";
import { withSystem } from "@/lib/db/transaction";
import { adminCreateSchema } from "@/lib/validation/staff";
import { accountWithEmail, createUser } from "./users";

/**
 * `npm run admin:create`: the first administrator of an empty installation (or, when told, another one; or,
 * until invitations exist, a clinician or auditor account). No TOTP secret is set: like any staff account
 * without one, the first sign-in goes through enrolment before any page opens. The password policy is
 * applied by createUser.
 */
export async function createAdministrator(raw: unknown): Promise<string> {
  const input = adminCreateSchema.parse(raw);
  return withSystem(noRequest, async (ctx) => {
    // Same lock as the admin console's changes: the "no administrator yet" check holds against a parallel run.
    await lockSubject(ctx.tx, "staff-accounts", "all");
    const admins = await ctx.tx.user.count({ where: { role: "admin", disabledAt: null } });
    if (input.role === "admin" && admins > 0 && !input.additional) {
      throw new Conflict(
        `This installation already has ${admins} active administrator${admins === 1 ? "" : "s"}. Ask one of them to give you the role, or run again with --additional to create another.`,
      );
    }
    if (await accountWithEmail(ctx.tx, input.email)) {
      throw new Conflict("An account with this e-mail address already exists.");
    }
    const id = await createUser(ctx, { email: input.email, displayName: input.displayName, role: input.role, password: input.password });
    ctx.audit({ action: "user.admin_bootstrap", resourceType: "user", resourceId: id, details: { role: input.role, activeAdmins: admins } });
    if (input.role === "admin") {
      await ctx.tx.alert.createMany({ data: { kind: "privilege_change", severity: "high", details: { change: "admin-created", userId: id, via: "admin:create" } } });
    }
    return id;
  });
}
