import { Card } from "@/components/ui/card";
import { requireActor } from "@/lib/auth/require-actor";
import { loadControls, type Control, type ControlStatus } from "@/lib/compliance/controls";

export const metadata = { title: "Compliance evidence" };

const statusStyle: Record<ControlStatus, string> = {
  met: "bg-emerald-100 text-emerald-900",
  partial: "bg-amber-100 text-amber-900",
  "not covered": "bg-red-100 text-red-900",
};

function ControlEntry({ control }: { control: Control }) {
  return (
    <li id={control.id} className="space-y-2 border-t border-slate-200 pt-3 first:border-t-0 first:pt-0">
      <div className="flex flex-wrap items-baseline gap-2">
        <h3 className="font-semibold">
          {control.ref} {control.title}
        </h3>
        <span className={`rounded px-2 py-0.5 text-xs font-medium ${statusStyle[control.status]}`}>{control.status}</span>
      </div>
      <p className="text-sm text-slate-700">{control.requirement}</p>
      {control.gap && (
        <p className="text-sm">
          <span className="font-medium">What is missing: </span>
          {control.gap}
        </p>
      )}
      <details className="text-sm">
        <summary className="cursor-pointer underline">Implementation and evidence</summary>
        <p className="mt-2 break-words">{control.implementation}</p>
        {control.evidence.length > 0 && (
          <ul className="mt-2 list-disc space-y-1 pl-5">
            {control.evidence.map(({ file, tests }) => (
              <li key={file} className="break-words">
                <code>{file}</code>
                <ul className="list-[circle] pl-5">
                  {tests.map((name) => (
                    <li key={name}>{name}</li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        )}
      </details>
    </li>
  );
}

export default async function CompliancePage() {
  await requireActor("auditor");
  const controls = loadControls();
  const frameworks = [...new Set(controls.map((control) => control.framework))];
  const count = (status: ControlStatus) => controls.filter((control) => control.status === status).length;
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Compliance evidence</h1>
      <p className="text-sm text-slate-700">
        Each control with the code that implements it and the automated tests that prove it. {controls.length} controls:{" "}
        {count("met")} met, {count("partial")} partial, {count("not covered")} not covered.{" "}
        <a className="underline" href="/api/auditor/compliance" download>
          Download as CSV
        </a>
      </p>
      {frameworks.map((framework) => (
        <Card key={framework} title={framework}>
          <ul className="space-y-3">
            {controls
              .filter((control) => control.framework === framework)
              .map((control) => (
                <ControlEntry key={control.id} control={control} />
              ))}
          </ul>
        </Card>
      ))}
    </div>
  );
}
