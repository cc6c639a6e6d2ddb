import type { ReactNode } from "react";
import type { LetterBatch } from "@/lib/services/incident-letters";

/** Printable letters, one per page (HIPAA 164.404(c): what happened, what was involved, what to do, whom to ask). */
export function Letters({ batch, breadcrumbs }: { batch: LetterBatch; breadcrumbs: ReactNode }) {
  return (
    <div className="space-y-6">
      <div className="space-y-2 print:hidden">
        {breadcrumbs}
        <h1 className="text-2xl font-bold">Notification letters: {batch.incidentTitle}</h1>
        <p className="text-sm text-slate-700">
          {batch.letters.length} letter{batch.letters.length === 1 ? "" : "s"}, one per printed page. Opening this page was recorded in
          the audit log, once per patient. Use your browser&apos;s print command.
          {batch.unmatched > 0 ? ` ${batch.unmatched} affected patient${batch.unmatched === 1 ? " has" : "s have"} been erased since and cannot be written to.` : ""}
        </p>
      </div>
      {batch.letters.map((l) => (
        <article key={l.pseudonym} aria-label={`Letter to ${l.name}`} className="space-y-3 rounded-lg border border-slate-200 bg-white p-6 text-sm break-after-page print:border-0 print:p-0">
          <p>{l.date}</p>
          <address className="not-italic">
            {l.name}
            <br />
            {l.address ?? "No postal address on file: deliver by another channel and record it."}
          </address>
          <p>Dear {l.name},</p>
          <p>
            We are writing to tell you about an incident that involved some of your health information: {l.whatHappened}. We discovered
            it on {l.discovered}.
          </p>
          <h2 className="font-semibold">What information was involved</h2>
          <p className="whitespace-pre-line">{l.informationInvolved}</p>
          <h2 className="font-semibold">What we are doing</h2>
          <p className="whitespace-pre-line">{l.whatWeAreDoing}</p>
          <h2 className="font-semibold">What you can do</h2>
          <p>{l.whatYouCanDo}</p>
          <h2 className="font-semibold">For more information</h2>
          <p>Contact {l.contact}.</p>
          <p className="text-xs text-slate-500">Reference {l.pseudonym}</p>
        </article>
      ))}
    </div>
  );
}
