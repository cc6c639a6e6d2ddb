import { LocalTime } from "@/components/ui/local-time";
import Link from "next/link";
import { PasswordForm } from "@/components/account/password-form";
import { RecoveryCodesForm } from "@/components/account/recovery-codes-form";
import { SignOutOthers } from "@/components/account/sign-out-others";
import { Card } from "@/components/ui/card";
import { DataTable } from "@/components/ui/data-table";
import { requireActor } from "@/lib/auth/require-actor";
import { accountSummary } from "@/lib/services/account";
import { myActiveSessions } from "@/lib/services/my-security";

export const metadata = { title: "Account and security" };

const when = (iso: string) => <LocalTime iso={iso} />;

export default async function AccountPage() {
  const actor = await requireActor();
  const [sessions, account] = await Promise.all([myActiveSessions(actor), accountSummary(actor)]);
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Account and security</h1>
      <Card title="Where you are signed in">
        <p className="mb-3 text-sm text-slate-700">If you do not recognise a session, sign out everywhere else and change your password.</p>
        <div className="mb-4">
          <DataTable
            caption="Your open sessions"
            rows={sessions}
            rowKey={(s) => s.id}
            columns={[
              { header: "Device", cell: (s) => <>{s.current ? <strong>This device · </strong> : null}{s.device ?? "unknown"}</> },
              { header: "Address", cell: (s) => s.ip ?? "unknown" },
              { header: "Signed in", cell: (s) => when(s.startedAt) },
              { header: "Last active", cell: (s) => when(s.lastSeenAt) },
            ]}
          />
        </div>
        <SignOutOthers />
      </Card>
      <Card title="Change password">
        <p className="mb-3 text-sm text-slate-700">Changing your password signs you out on every other device.</p>
        <PasswordForm />
      </Card>
      <Card title="Recovery codes">
        {account.mfaEnrolled ? (
          <>
            <p className="mb-3 text-sm text-slate-700">
              Lost your codes, or used most of them? Make a new set with a code from your authenticator app. The old codes stop working.
            </p>
            <RecoveryCodesForm />
          </>
        ) : (
          <p className="text-sm text-slate-700">
            Recovery codes come with two-step verification.{" "}
            {account.role === "patient" ? (
              <Link className="underline" href="/patient/security">
                Turn it on
              </Link>
            ) : null}
          </p>
        )}
      </Card>
    </div>
  );
}
