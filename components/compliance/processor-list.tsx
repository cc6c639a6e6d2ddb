import { DeleteProcessorForm, ProcessorForm } from "@/components/compliance/processor-form";
import { Alert } from "@/components/ui/alert";
import { Card } from "@/components/ui/card";
import type { ProcessorListing } from "@/lib/services/processors";
import { agreementTypes, countryName, sharedDataCategories, transferMechanisms } from "@/lib/validation/processor";

const agreementShort = { baa: "BAA", dpa: "DPA", both: "BAA and DPA" } as const;

function endsIn(p: ProcessorListing): string {
  if (p.daysLeft < 0) return `Ended on ${p.expiresOn}, ${-p.daysLeft} day${p.daysLeft === -1 ? "" : "s"} ago`;
  if (p.daysLeft === 0) return `Ends today (${p.expiresOn})`;
  return `Ends on ${p.expiresOn}, in ${p.daysLeft} day${p.daysLeft === 1 ? "" : "s"}`;
}

/** The register with its warnings; administrators (`manage`) also get the edit and remove forms. */
export function ProcessorList({ processors, manage }: { processors: ProcessorListing[]; manage: boolean }) {
  const attention = processors.filter((p) => p.status !== "active");
  return (
    <div className="space-y-4">
      {attention.length > 0 ? (
        <Alert tone="error">
          <p className="font-semibold">
            {attention.length} agreement{attention.length === 1 ? " needs" : "s need"} renewing:
          </p>
          <ul className="list-disc pl-5">
            {attention.map((p) => (
              <li key={p.id}>
                {p.name} ({agreementShort[p.agreement]}): {endsIn(p)}
              </li>
            ))}
          </ul>
        </Alert>
      ) : null}
      {processors.length === 0 ? <p className="text-sm">No processors registered yet.</p> : null}
      {processors.map((p) => (
        <Card key={p.id}>
          <section aria-labelledby={`processor-${p.id}`} className="space-y-3 text-sm">
            <h2 id={`processor-${p.id}`} className="text-lg font-semibold break-words">
              {p.name}
            </h2>
            <p className={p.status === "active" ? "" : "font-semibold text-red-800"}>
              {p.status === "expired" ? "Agreement ended. " : p.status === "expiring" ? "Agreement ending soon. " : ""}
              {endsIn(p)}
            </p>
            <dl className="grid gap-x-6 gap-y-1 sm:grid-cols-2">
              <div>
                <dt className="text-slate-600">Service</dt>
                <dd className="break-words">{p.service}</dd>
              </div>
              <div>
                <dt className="text-slate-600">Agreement</dt>
                <dd>
                  {agreementTypes[p.agreement]}, signed on {p.signedOn}
                </dd>
              </div>
              <div>
                <dt className="text-slate-600">Data they receive</dt>
                <dd>{p.dataCategories.map((c) => sharedDataCategories[c as keyof typeof sharedDataCategories] ?? c).join("; ")}</dd>
              </div>
              <div>
                <dt className="text-slate-600">Country</dt>
                <dd>
                  {countryName(p.country) ?? p.country} ({p.country})
                  {p.transferMechanism ? `; transfer under ${transferMechanisms[p.transferMechanism as keyof typeof transferMechanisms] ?? p.transferMechanism}` : ""}
                </dd>
              </div>
              <div>
                <dt className="text-slate-600">Document</dt>
                <dd className="break-words">{p.documentRef}</dd>
              </div>
            </dl>
            {manage ? (
              <details>
                <summary className="cursor-pointer underline">
                  Edit or remove<span className="sr-only"> {p.name}</span>
                </summary>
                <div className="mt-3 space-y-4">
                  <ProcessorForm key={p.updatedAt} processor={p} />
                  <DeleteProcessorForm processor={p} />
                </div>
              </details>
            ) : null}
          </section>
        </Card>
      ))}
    </div>
  );
}
