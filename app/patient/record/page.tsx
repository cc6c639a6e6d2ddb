import { ContentText } from "@/components/clinician/entry-view";
import { Card } from "@/components/ui/card";
import { requireActor } from "@/lib/auth/require-actor";
import { myRecord } from "@/lib/services/my-record";

export const metadata = { title: "My record" };

export default async function MyRecordPage() {
  const actor = await requireActor("patient");
  const { identity, entries } = await myRecord(actor);
  const rows: [string, string][] = [
    ["Name", identity.name],
    ["Birth date", identity.birthDate],
    ["Sex", identity.sex],
    ["MRN", identity.mrn],
    ["SSN", identity.ssnLast4 ? `•••-••-${identity.ssnLast4}` : "not on file"],
    ["Address", identity.address ?? "—"],
    ["Phone", identity.phone ?? "—"],
    ["Email", identity.email ?? "—"],
  ];
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">My record</h1>
      <Card title="About you">
        <dl className="grid grid-cols-[10rem_1fr] gap-y-1 text-sm">
          {rows.map(([k, v]) => (
            <div key={k} className="contents">
              <dt className="font-medium">{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
      </Card>
      <Card title="Clinical record">
        {entries.length === 0 ? <p className="text-sm">Nothing recorded yet.</p> : null}
        <ul className="divide-y">
          {entries.map((e) => (
            <li key={e.entryId} className="py-2 text-sm">
              <span className="mr-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs uppercase">{e.kind}</span>
              <span className="mr-2 text-slate-600">{e.content.date}</span>
              <ContentText content={e.content} />
              {e.priorVersions.length > 0 ? <span className="text-slate-600"> (amended)</span> : null}
            </li>
          ))}
        </ul>
      </Card>
    </div>
  );
}
