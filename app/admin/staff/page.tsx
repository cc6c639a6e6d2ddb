import { LocalTime } from "@/components/ui/local-time";
import { InvitationForms } from "@/components/admin/invitation-forms";
import { InviteForm } from "@/components/admin/invite-form";
import { StaffForms } from "@/components/admin/staff-forms";
import { Card } from "@/components/ui/card";
import { roleLabel } from "@/lib/access/roles";
import { requireActor } from "@/lib/auth/require-actor";
import { pendingInvitations } from "@/lib/services/invitations";
import { listStaffAccounts } from "@/lib/services/staff-accounts";

export const metadata = { title: "Staff accounts" };

const when = (iso: string | null) => (iso ? <LocalTime iso={iso} /> : "never");

export default async function StaffAccountsPage() {
  const actor = await requireActor("admin");
  const [staff, invitations] = await Promise.all([listStaffAccounts(actor), pendingInvitations(actor)]);
  // Invited and never activated: disabled, and never signed in. Its link may still be open, or not.
  const invited = (u: (typeof staff)[number]) => u.status === "disabled" && u.lastSignInAt === null;
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Staff accounts</h1>
      <p className="text-sm text-slate-700">
        Every change here ends the person&apos;s open sessions at their next click, is recorded in the audit log, and
        role changes and two-step verification resets are reported to the auditors.
      </p>
      <Card>
        <section aria-labelledby="invite-heading" className="space-y-3">
          <h2 id="invite-heading" className="text-lg font-semibold">Invite a staff member</h2>
          <p className="text-sm text-slate-700">
            They receive a link, valid once for 72 hours, to choose a password; then they set up two-step verification.
            The account cannot sign in until then. Inviting an administrator is reported to the auditors.
          </p>
          <InviteForm />
        </section>
      </Card>
      {staff.length === 0 ? <p className="text-sm">No staff accounts yet.</p> : null}
      {staff.map((u) => (
        <Card key={u.id}>
          <section aria-label={u.displayName} className="space-y-3 text-sm">
            <h2 className="text-lg font-semibold">
              {u.displayName} {u.self ? <span className="text-sm font-normal">(you)</span> : null}
            </h2>
            <dl className="grid grid-cols-2 gap-x-6 gap-y-1 sm:grid-cols-3">
              <div>
                <dt className="text-slate-600">E-mail</dt>
                <dd>{u.email}</dd>
              </div>
              <div>
                <dt className="text-slate-600">Role</dt>
                <dd>{roleLabel[u.role]}</dd>
              </div>
              <div>
                <dt className="text-slate-600">Status</dt>
                <dd className={u.status === "disabled" ? "font-semibold text-red-800" : ""}>
                  {invitations.has(u.id)
                    ? <>Invited, link open until {when(invitations.get(u.id)!.toISOString())}</>
                    : invited(u)
                      ? "Disabled, never activated"
                      : u.status === "active"
                        ? "Active"
                        : "Disabled"}
                </dd>
              </div>
              <div>
                <dt className="text-slate-600">Care teams</dt>
                <dd>{u.careTeams.length > 0 ? u.careTeams.join(", ") : "none"}</dd>
              </div>
              <div>
                <dt className="text-slate-600">Two-step verification</dt>
                <dd>{u.mfaEnrolled ? "Set up" : "Not set up (asked at next sign-in)"}</dd>
              </div>
              <div>
                <dt className="text-slate-600">Last sign-in</dt>
                <dd>{when(u.lastSignInAt)}</dd>
              </div>
            </dl>
            {u.self ? (
              <p className="text-slate-700">Another administrator changes your own role, status or two-step verification.</p>
            ) : invited(u) ? (
              <InvitationForms user={{ id: u.id, displayName: u.displayName, pending: invitations.has(u.id) }} />
            ) : (
              <StaffForms user={{ id: u.id, displayName: u.displayName, role: u.role, status: u.status }} />
            )}
          </section>
        </Card>
      ))}
    </div>
  );
}
