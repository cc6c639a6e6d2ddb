import { ExportLinks, type ExportChoice } from "@/components/patient/export-links";
import { Card } from "@/components/ui/card";
import { requireActor } from "@/lib/auth/require-actor";
import { config } from "@/lib/config";

export const metadata = { title: "Download my data" };

const choices: ExportChoice[] = [
  {
    format: "csv",
    label: "Spreadsheets (a zip file)",
    about:
      "One spreadsheet for each part of your record — your details, visits, notes, medications, allergies, measurements, consent, requests and who accessed your record — and a page that says what each file holds. Best for reading it yourself.",
  },
  {
    format: "json",
    label: "JSON (one file)",
    about: "Everything in one structured file, for software you use or a developer helping you.",
  },
  {
    format: "fhir",
    label: "FHIR R4 Bundle (to import into another health system)",
    about: "The standard format health systems read: use it to move your record to another provider.",
  },
];

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
        <ExportLinks choices={choices} />
      </Card>
    </div>
  );
}
