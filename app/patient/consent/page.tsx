import { LocalTime } from "@/components/ui/local-time";
import { ConsentToggle } from "@/components/patient/consent-toggle";
import { Card } from "@/components/ui/card";
import { purposeTexts } from "@/lib/consent/purposes";
import { requireActor } from "@/lib/auth/require-actor";
import { consentHistory, currentConsents } from "@/lib/services/consent";
import { DataTable } from "@/components/ui/data-table";

export const metadata = { title: "Consent" };

export default async function ConsentPage() {
  const actor = await requireActor("patient");
  const [consents, history] = await Promise.all([currentConsents(actor), consentHistory(actor)]);
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Your consent</h1>
      <p className="text-sm">Nothing is switched on until you say so. You can change your mind at any time.</p>
      {consents.map((c) => (
        <Card key={c.purpose} title={c.title}>
          <p className="mb-3 text-sm">
            {c.text} <span className="text-xs text-slate-600">(text version {c.version})</span>
          </p>
          <ConsentToggle consent={c} />
        </Card>
      ))}
      <Card title="History">
        {history.length === 0 ? <p className="text-sm">No consent decisions yet.</p> : null}
        <DataTable
          caption="Every consent decision, newest first"
          rows={history}
          rowKey={(h) => `${h.at}-${h.purpose}`}
          columns={[
            { header: "When", cell: (h) => <LocalTime iso={h.at} /> },
            { header: "Purpose", cell: (h) => purposeTexts[h.purpose].title },
            { header: "Decision", cell: (h) => h.decision },
            { header: "Text version", cell: (h) => h.textVersion },
            { header: "How", cell: (h) => `${h.method}${h.byPatient ? ", by you" : ""}` },
          ]}
        />
      </Card>
    </div>
  );
}
