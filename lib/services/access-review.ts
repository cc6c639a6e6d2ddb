import "server-only";
import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { roleSchema, type Role } from "@/lib/access/roles";
import { config } from "@/lib/config";
import { pseudonym } from "@/lib/crypto/pseudonym";
import { openSystem } from "@/lib/crypto/secret";
import { lockSubject } from "@/lib/db/locks";
import { withActor, withSystem, type Tx } from "@/lib/db/transaction";
import { csvLine } from "@/lib/http/csv";
import { disableDormantSchema } from "@/lib/validation/access-review";

/** One account as the periodic access review sees it (HIPAA 164.308(a)(3)(ii)(B)-(C), (a)(4)). */
export interface AccessReviewRow {
  userId: string;
  /** Staff: name and e-mail. Patients: their pseudonym only, since who is a patient here is itself PHI. */
  name: string;
  email: string | null;
  role: Role;
  careTeams: string[];
  mfaEnrolled: boolean;
  lastSignInAt: string | null;
  status: "active" | "disabled";
  /** Active, and no completed sign-in (or, never signed in, no creation) within ACCESS_REVIEW_DORMANT_DAYS. */
  dormant: boolean;
  /** Invited and never opened: disabled, and never signed in. */
  neverActivated: boolean;
}

export interface AccessReview {
  dormantDays: number;
  rows: AccessReviewRow[];
}

const at = (userId: string, column: string) => ({ table: "app_user", column, rowId: userId });

async function reviewRows(tx: Tx, dormantDays: number): Promise<AccessReviewRow[]> {
  const users = await tx.user.findMany({ include: { careTeams: { include: { team: true } } }, orderBy: [{ role: "asc" }, { createdAt: "asc" }] });
  // A sign-in counts once it is complete (second factor passed where one is asked).
  const last = await tx.authSession.groupBy({ by: ["userId"], where: { mfaVerifiedAt: { not: null } }, _max: { createdAt: true } });
  const lastSignIn = new Map(last.map((s) => [s.userId, s._max.createdAt]));
  const cutoff = Date.now() - dormantDays * 86_400_000;
  return users.map((u) => {
    const role = roleSchema.parse(u.role);
    const signedIn = lastSignIn.get(u.id) ?? null;
    const active = u.disabledAt === null;
    const isPatient = role === "patient";
    return {
      userId: u.id,
      name: isPatient ? (u.patientId ? pseudonym(u.patientId) : "patient") : openSystem(u.displayNameEnc, at(u.id, "display_name_enc")),
      email: isPatient ? null : openSystem(u.emailEnc, at(u.id, "email_enc")),
      role,
      careTeams: u.careTeams.map((m) => m.team.name).sort(),
      mfaEnrolled: u.mfaEnrolledAt !== null,
      lastSignInAt: signedIn?.toISOString() ?? null,
      status: active ? "active" : "disabled",
      dormant: active && (signedIn ?? u.createdAt).getTime() < cutoff,
      neverActivated: u.activatedAt === null,
    };
  });
}

const csvColumns: (keyof AccessReviewRow)[] = ["userId", "name", "email", "role", "careTeams", "mfaEnrolled", "lastSignInAt", "status", "dormant", "neverActivated"];

/** The review as CSV (cells neutralised against spreadsheet formulas by csvLine). */
export function accessReviewCsv(rows: AccessReviewRow[]): string {
  return [csvLine(csvColumns), ...rows.map((r) => csvLine(csvColumns.map((c) => (c === "careTeams" ? r.careTeams.join("; ") : r[c]))))].join("");
}

/** The review for administrators and auditors. Read by the system on their behalf (auditors may not read accounts). */
export async function accessReview(actor: Actor): Promise<AccessReview> {
  await authorize(actor, "accessReview.read");
  const dormantDays = config().accessReviewDormantDays;
  return withSystem(
    actor.request,
    async ({ tx, audit }) => {
      const rows = await reviewRows(tx, dormantDays);
      audit({ actorId: actor.userId, actorRole: actor.role, action: "access_review.read", details: { returned: rows.length, dormantDays } });
      return { dormantDays, rows };
    },
    actor.userId,
  );
}

/**
 * Disables every dormant staff account at once, with the reviewer's reason: each is audited like any other
 * disabling (before/after), their sessions end at their next request, and one privilege-change alert puts the
 * sweep before the auditors. Patients are not swept (they may rightly sign in once a year); nor is the
 * administrator asking, who has just signed in. Under the staff-accounts lock, like every other staff change.
 */
export async function disableDormantAccounts(actor: Actor, raw: unknown): Promise<{ disabled: number }> {
  await authorize(actor, "users.manage");
  const { reason } = disableDormantSchema.parse(raw);
  const dormantDays = config().accessReviewDormantDays;
  return withActor(actor, async (ctx) => {
    await lockSubject(ctx.tx, "staff-accounts", "all");
    const dormant = (await reviewRows(ctx.tx, dormantDays)).filter((r) => r.dormant && r.role !== "patient" && r.userId !== actor.userId);
    if (dormant.length === 0) return { disabled: 0 };
    const ids = dormant.map((r) => r.userId);
    await ctx.tx.user.updateMany({ where: { id: { in: ids }, disabledAt: null }, data: { disabledAt: new Date(), sessionVersion: { increment: 1 } } });
    for (const row of dormant) {
      ctx.audit({
        action: "user.disable",
        resourceType: "user",
        resourceId: row.userId,
        details: { before: { status: "active" }, after: { status: "disabled" }, reason, dormantDays, lastSignInAt: row.lastSignInAt },
      });
    }
    // createMany: an administrator may insert an alert but not read one back.
    await ctx.tx.alert.createMany({
      // The reason stays in the audit log: free text does not go to the SIEM with the alert.
      data: { kind: "privilege_change", severity: "high", actorId: actor.userId, details: { change: "dormant-disabled", count: ids.length, userIds: ids } },
    });
    return { disabled: ids.length };
  });
}
