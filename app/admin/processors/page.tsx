import { ProcessorForm } from "@/components/compliance/processor-form";
import { ProcessorList } from "@/components/compliance/processor-list";
import { Card } from "@/components/ui/card";
import { requireActor } from "@/lib/auth/require-actor";
import { listProcessors } from "@/lib/services/processors";

export const metadata = { title: "Processors" };

export default async function AdminProcessorsPage() {
  const actor = await requireActor("admin");
  const processors = await listProcessors(actor);
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Processors</h1>
      <p className="text-sm text-slate-700">
        Everyone who handles patient or staff data on the hospital&apos;s behalf, with their business associate agreement (HIPAA) or data
        processing agreement (GDPR). Auditors are alerted 30 days before an agreement ends and when it ends. Every change is recorded in the
        audit log.
      </p>
      <ProcessorList processors={processors} manage />
      <Card title="Add a processor">
        <ProcessorForm />
      </Card>
    </div>
  );
}
