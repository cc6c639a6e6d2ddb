import { AccountPanel } from "@/components/home/account-panel";
import { requireActor } from "@/lib/auth/require-actor";
import { accountSummary } from "@/lib/services/account";

export const metadata = { title: "Home" };

export default async function AuditorHomePage() {
  const actor = await requireActor("auditor");
  const account = await accountSummary(actor);
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Welcome, {account.displayName}</h1>
      <AccountPanel account={account} />
    </div>
  );
}
