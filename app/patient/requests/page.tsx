import { RequestForm } from "@/components/patient/request-form";
import { RequestList } from "@/components/patient/request-list";
import { Card } from "@/components/ui/card";
import { requireActor } from "@/lib/auth/require-actor";
import { config } from "@/lib/config";
import { accountSummary } from "@/lib/services/account";
import { myRequests } from "@/lib/services/data-requests";

export const metadata = { title: "Requests" };

export default async function RequestsPage() {
  const actor = await requireActor("patient");
  const [requests, account] = await Promise.all([myRequests(actor), accountSummary(actor)]);
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Your requests</h1>
      <Card title="Make a request">
        <RequestForm graceDays={Math.round(config().erasureGraceSeconds / 86_400)} mfaEnrolled={account.mfaEnrolled} />
      </Card>
      <Card title="Your requests">
        <RequestList requests={requests} cancellable />
      </Card>
    </div>
  );
}
