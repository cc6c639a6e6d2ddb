import Link from "next/link";
import { endGrantAction } from "@/app/clinician/actions";
import { Button } from "@/components/ui/button";
import { LocalTime } from "@/components/ui/local-time";
import type { ActiveGrant } from "@/lib/services/break-glass-grants";

/** The clinician's live emergency access, each with a way to give it up as soon as the emergency is over. */
export function ActiveGrants({ grants }: { grants: ActiveGrant[] }) {
  return (
    <ul className="space-y-3">
      {grants.map((g) => (
        <li key={g.grantId} className="flex flex-wrap items-center justify-between gap-3 rounded border border-red-200 bg-red-50 p-3 text-sm">
          <span>
            <Link className="font-medium underline" href={`/clinician/patients/${g.patient.patientId}`}>
              {g.patient.name}
            </Link>{" "}
            <span className="font-mono">{g.patient.mrn}</span> · ends <LocalTime iso={g.expiresAt} /> ({g.minutesLeft} min left)
          </span>
          <form action={endGrantAction}>
            <input type="hidden" name="grantId" value={g.grantId} />
            <Button type="submit" variant="danger">
              End access now<span className="sr-only"> to {g.patient.name}</span>
            </Button>
          </form>
        </li>
      ))}
    </ul>
  );
}
