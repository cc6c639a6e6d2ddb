import Link from "next/link";
import type { PatientSummary } from "@/lib/services/patient-view";

export function PatientTable({ patients, caption }: { patients: PatientSummary[]; caption: string }) {
  if (patients.length === 0) return <p className="text-sm text-slate-700">No patients to show.</p>;
  return (
    <table className="w-full text-left text-sm">
      <caption className="sr-only">{caption}</caption>
      <thead>
        <tr className="border-b">
          <th scope="col" className="py-2">Name</th>
          <th scope="col">Birth date</th>
          <th scope="col">MRN</th>
        </tr>
      </thead>
      <tbody>
        {patients.map((p) => (
          <tr key={p.patientId} className="border-b last:border-0">
            <td className="py-2">
              <Link className="text-brand-700 underline" href={`/clinician/patients/${p.patientId}`}>
                {p.name}
              </Link>
            </td>
            <td>{p.birthDate}</td>
            <td className="font-mono">{p.mrn}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
