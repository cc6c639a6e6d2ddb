import Link from "next/link";
import { DataTable } from "@/components/ui/data-table";
import type { PatientSummary } from "@/lib/services/patient-view";

export function PatientTable({ patients, caption }: { patients: PatientSummary[]; caption: string }) {
  if (patients.length === 0) return <p className="text-sm text-slate-700">No patients to show.</p>;
  return (
    <DataTable
      caption={caption}
      rows={patients}
      rowKey={(p) => p.patientId}
      columns={[
        {
          header: "Name",
          cell: (p) => (
            <Link className="text-brand-700 underline" href={`/clinician/patients/${p.patientId}`}>
              {p.name}
            </Link>
          ),
        },
        { header: "Birth date", cell: (p) => p.birthDate },
        { header: "MRN", cell: (p) => p.mrn, className: "font-mono" },
      ]}
    />
  );
}
