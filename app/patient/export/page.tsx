import { Card } from "@/components/ui/card";
import { requireActor } from "@/lib/auth/require-actor";
import { config } from "@/lib/config";

export const metadata = { title: "Download my data" };

export default async function ExportPage() {
  await requireActor("patient");
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Download my data</h1>
      <Card>
        <p className="mb-4 text-sm">
          Everything we hold about you: your details, your clinical record with every earlier version, your consent history,
          your requests, and who accessed your record. Up to {config().exportsPerHour} downloads an hour; each one is recorded.
        </p>
        <ul className="space-y-2 text-sm">
          <li>
            <a className="underline" href="/api/patient/export?format=json" download>
              JSON (one file)
            </a>
          </li>
          <li>
            <a className="underline" href="/api/patient/export?format=csv" download>
              CSV (a zip with one spreadsheet per category)
            </a>
          </li>
          <li>
            <a className="underline" href="/api/patient/export?format=fhir" download>
              FHIR R4 Bundle (to import into another health system)
            </a>
          </li>
        </ul>
      </Card>
    </div>
  );
}
