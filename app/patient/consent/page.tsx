import { ConsentToggle } from "@/components/patient/consent-toggle";
import { Card } from "@/components/ui/card";
import { purposeTexts } from "@/lib/consent/purposes";
import { requireActor } from "@/lib/auth/require-actor";
import { consentHistory, currentConsents } from "@/lib/services/consent";

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
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Every consent decision, newest first</caption>
          <thead>
            <tr className="border-b">
              <th scope="col" className="py-1">When (UTC)</th>
              <th scope="col">Purpose</th>
              <th scope="col">Decision</th>
              <th scope="col">Text version</th>
              <th scope="col">How</th>
            </tr>
          </thead>
          <tbody>
            {history.map((h) => (
              <tr key={`${h.at}-${h.purpose}`} className="border-b last:border-0">
                <td className="py-1">{h.at.replace("T", " ").slice(0, 19)}</td>
                <td>{purposeTexts[h.purpose].title}</td>
                <td>{h.decision}</td>
                <td>{h.textVersion}</td>
                <td>{h.method}{h.byPatient ? ", by you" : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    </div>
  );
}
