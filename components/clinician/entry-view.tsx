import type { ClinicalContent } from "@/lib/validation/patient";

/** One line of readable text for any kind of clinical content. */
export function describeContent(c: ClinicalContent): string {
  switch (c.kind) {
    case "encounter":
      return `${c.type}: ${c.reason}`;
    case "observation":
      return `${c.display} (${c.code}): ${c.value} ${c.unit}`;
    case "note":
      return `${c.title}: ${c.text}`;
    case "prescription":
      return `${c.medication}, ${c.dosage}`;
    case "allergy":
      return `${c.substance}${c.reaction ? ` (${c.reaction})` : ""}`;
  }
}
