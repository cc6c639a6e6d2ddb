import Link from "next/link";
import { AccountPanel } from "@/components/home/account-panel";
import { Card } from "@/components/ui/card";
import { requireActor } from "@/lib/auth/require-actor";
import { accountSummary } from "@/lib/services/account";
import { requestQueue } from "@/lib/services/request-decisions";

export const metadata = { title: "Home" };

export default async function AdminHomePage() {
  const actor = await requireActor("admin");
  const [account, queue] = [await accountSummary(actor), await requestQueue(actor)];
  const overdue = queue.filter((r) => new Date(r.hipaaDueAt) < new Date() || new Date(r.gdprDueAt) < new Date()).length;
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Welcome, {account.displayName}</h1>
      <Card title="Data subject requests">
        <p className="text-3xl font-bold">{queue.length}</p>
        <p className="text-sm">open{overdue > 0 ? `, ${overdue} past a legal deadline` : ""}</p>
        <Link className="text-sm underline" href="/admin/requests">
          Open the queue
        </Link>
      </Card>
      <AccountPanel account={account} />
    </div>
  );
}
