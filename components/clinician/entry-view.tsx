import { observationCode } from "@/lib/clinical/observation-codes";
import type { ClinicalContent } from "@/lib/validation/patient";

/** One line of readable text for any kind of clinical content: names and units as people read them. */
export function describeContent(c: ClinicalContent): string {
  switch (c.kind) {
    case "encounter":
      return `${c.type}: ${c.reason}`;
    case "observation":
      return `${c.display}: ${c.value} ${observationCode(c.code)?.unitLabel ?? c.unit}`;
    case "note":
      return `${c.title}: ${c.text}`;
    case "prescription":
      return `${c.medication}, ${c.dosage}`;
    case "allergy":
      return `${c.substance}${c.reaction ? ` (${c.reaction})` : ""}`;
  }
}

/** Past this many characters an entry shows its beginning and folds the rest behind "Show more". */
export const FOLD_AT = 300;

/**
 * An entry's text in a list. A long note would push the rest of the chart off-screen, so it folds into a
 * native disclosure: no script, works by keyboard, and the whole text stays in the page for search.
 */
export function ContentText({ content }: { content: ClinicalContent }) {
  const text = describeContent(content);
  if (text.length <= FOLD_AT) return <span className="whitespace-pre-line">{text}</span>;
  const cut = text.lastIndexOf(" ", FOLD_AT) > FOLD_AT / 2 ? text.lastIndexOf(" ", FOLD_AT) : FOLD_AT;
  return (
    <div className="group/entry inline">
      <span className="whitespace-pre-line group-has-[details[open]]/entry:hidden">{text.slice(0, cut)}…</span>
      <details className="mt-1">
        <summary className="cursor-pointer text-brand-700 underline">
          <span className="group-has-[details[open]]/entry:hidden">Show more</span>
          <span className="hidden group-has-[details[open]]/entry:inline">Show less</span>
        </summary>
        <span className="whitespace-pre-line">{text}</span>
      </details>
    </div>
  );
}
