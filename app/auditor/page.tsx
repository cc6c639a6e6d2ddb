import Link from "next/link";
import { BarChart } from "@/components/auditor/bar-chart";
import { IntegrityPanel } from "@/components/auditor/integrity-panel";
import { AccountPanel } from "@/components/home/account-panel";
import { Card } from "@/components/ui/card";
import { requireActor } from "@/lib/auth/require-actor";
import { accountSummary } from "@/lib/services/account";
import { listAlerts } from "@/lib/services/alerts";
import { integrityStatus } from "@/lib/services/audit-integrity";
import { auditActivity } from "@/lib/services/audit-log";

export const metadata = { title: "Audit dashboard" };

/** "18 Nov": a calendar day of the chart (UTC, as the bars are counted). */
function dayLabel(day: string): string {
  return new Date(`${day}T00:00:00Z`).toLocaleDateString("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
}

export default async function AuditorHomePage() {
  const actor = await requireActor("auditor");
  const account = await accountSummary(actor);
  const activity = await auditActivity(actor);
  const openAlerts = await listAlerts(actor, { open: true });
  const integrity = await integrityStatus(actor);
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Welcome, {account.displayName}</h1>
      <div className="grid gap-6 md:grid-cols-2">
        <Card title="Open alerts">
          <p className="text-3xl font-bold">{openAlerts.length}</p>
          <Link className="text-sm underline" href="/auditor/alerts">
            Review alerts
          </Link>
        </Card>
        <Card title="Break-glass">
          <Link className="text-sm underline" href="/auditor/break-glass">
            Review break-glass uses
          </Link>
        </Card>
      </div>
      <Card title="Integrity of the audit log">
        <IntegrityPanel status={integrity} />
      </Card>
      <Card title="Events per day, last 14 days (UTC)">
        <BarChart
          title="Audit events per day by outcome"
          labels={activity.perDay.map((d) => dayLabel(d.day))}
          series={[
            { label: "allowed", color: "#0f6e7a", values: activity.perDay.map((d) => d.allowed) },
            { label: "denied", color: "#b91c1c", values: activity.perDay.map((d) => d.denied) },
            { label: "error", color: "#a16207", values: activity.perDay.map((d) => d.error) },
          ]}
        />
      </Card>
      <Card title="Most frequent actions">
        <BarChart
          title="Audit events by action"
          labels={activity.byAction.map((a) => a.action)}
          series={[{ label: "events", color: "#0b5963", values: activity.byAction.map((a) => a.count) }]}
        />
      </Card>
      <AccountPanel account={account} />
    </div>
  );
}
