import { Breadcrumbs } from "@/components/ui/breadcrumbs";
import { EntryForm } from "@/components/clinician/entry-form";
import { Card } from "@/components/ui/card";
import { requireActor } from "@/lib/auth/require-actor";
import { pageError } from "@/lib/http/errors";
import { getEntryToAmend } from "@/lib/services/chart";
import { amendRecordAction } from "../../../../../actions";

export const metadata = { title: "Amend entry" };

export default async function AmendPage({ params }: PageProps<"/clinician/patients/[id]/entries/[entryId]/amend">) {
  const { id, entryId } = await params;
  const actor = await requireActor("clinician");
  const { patientName, entry } = await getEntryToAmend(actor, id, entryId).catch(pageError);
  return (
    <div className="space-y-6">
      <Breadcrumbs
        trail={[
          { href: "/clinician", label: "My patients" },
          { href: `/clinician/patients/${id}`, label: patientName },
        ]}
        current={`Amend ${entry.kind}`}
      />
      <h1 className="text-2xl font-bold">Amend {entry.kind} for {patientName}</h1>
      <p className="text-sm text-slate-700">The current version ({entry.version}) is kept; your amendment becomes version {entry.version + 1}.</p>
      <Card>
        <EntryForm action={amendRecordAction.bind(null, id, entryId)} initial={entry.content} submitLabel="Save amendment" amending />
      </Card>
    </div>
  );
}
