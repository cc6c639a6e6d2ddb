import { LocalTime } from "@/components/ui/local-time";
import Link from "next/link";
import { Card } from "@/components/ui/card";
import type { AccountSummary } from "@/lib/services/account";
import { DataTable } from "@/components/ui/data-table";

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
      <DataTable
        caption="Your five most recent sessions"
        rows={account.recentSessions}
        rowKey={(s) => s.startedAt}
        columns={[
          { header: "Started", cell: (s) => <LocalTime iso={s.startedAt} /> },
          { header: "Address", cell: (s) => s.ip ?? "unknown" },
          { header: "Status", cell: (s) => (s.current ? "this session" : (s.endedReason ?? "open")) },
        ]}
      />
    </Card>
  );
}
