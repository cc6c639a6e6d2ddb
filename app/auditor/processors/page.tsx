import { ProcessorList } from "@/components/compliance/processor-list";
import { requireActor } from "@/lib/auth/require-actor";
import { listProcessors } from "@/lib/services/processors";

export const metadata = { title: "Processors" };

export default async function AuditorProcessorsPage() {
  const actor = await requireActor("auditor");
  const processors = await listProcessors(actor);
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Processors</h1>
      <p className="text-sm text-slate-700">
        Vendors that handle data on the hospital&apos;s behalf and their agreements. Administrators keep this list.
      </p>
      <ProcessorList processors={processors} manage={false} />
    </div>
  );
}
