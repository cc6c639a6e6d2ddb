import { PasswordForm } from "@/components/account/password-form";
import { SignOutOthers } from "@/components/account/sign-out-others";
import { Card } from "@/components/ui/card";
import { requireActor } from "@/lib/auth/require-actor";
import { myActiveSessions } from "@/lib/services/my-security";

export const metadata = { title: "Account and security" };

const when = (iso: string) => `${iso.replace("T", " ").slice(0, 16)} UTC`;

export default async function AccountPage() {
  const actor = await requireActor();
  const sessions = await myActiveSessions(actor);
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Account and security</h1>
      <Card title="Where you are signed in">
        <p className="mb-3 text-sm text-slate-700">If you do not recognise a session, sign out everywhere else and change your password.</p>
        <table className="mb-4 w-full text-left text-sm">
          <caption className="sr-only">Your open sessions</caption>
          <thead>
            <tr className="border-b">
              <th scope="col" className="py-1">Device</th>
              <th scope="col">Address</th>
              <th scope="col">Signed in</th>
              <th scope="col">Last active</th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <tr key={s.id} className="border-b last:border-0">
                <td className="max-w-xs truncate py-1" title={s.device ?? undefined}>
                  {s.current ? <strong>This device · </strong> : null}
                  {s.device ?? "unknown"}
                </td>
                <td>{s.ip ?? "unknown"}</td>
                <td>{when(s.startedAt)}</td>
                <td>{when(s.lastSeenAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <SignOutOthers />
      </Card>
      <Card title="Change password">
        <p className="mb-3 text-sm text-slate-700">Changing your password signs you out on every other device.</p>
        <PasswordForm />
      </Card>
    </div>
  );
}
