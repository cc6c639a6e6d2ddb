import Link from "next/link";
import { Card } from "@/components/ui/card";
import type { AccountSummary } from "@/lib/services/account";

export function AccountPanel({ account }: { account: AccountSummary }) {
  return (
    <Card title="Recent sign-ins">
      <p className="mb-3 text-sm text-slate-700">
        Two-step verification: <strong>{account.mfaEnrolled ? "on" : "off"}</strong>
        {!account.mfaEnrolled && account.role === "patient" ? (
          <>
            {" "}
            (<Link className="underline" href="/patient/security">turn it on</Link>)
          </>
        ) : null}
        . If a sign-in below was not you,
        change your password and tell the privacy office.
      </p>
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Your five most recent sessions</caption>
        <thead>
          <tr className="border-b">
            <th scope="col" className="py-1">Started (UTC)</th>
            <th scope="col">Address</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {account.recentSessions.map((s) => (
            <tr key={s.startedAt} className="border-b last:border-0">
              <td className="py-1">{s.startedAt.replace("T", " ").slice(0, 19)}</td>
              <td>{s.ip ?? "unknown"}</td>
              <td>{s.current ? "this session" : (s.endedReason ?? "open")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}
