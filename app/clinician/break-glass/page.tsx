import { BreakGlassForm } from "@/components/clinician/break-glass-form";
import { Card } from "@/components/ui/card";
import { config } from "@/lib/config";
import { requireActor } from "@/lib/auth/require-actor";

export const metadata = { title: "Break-glass access" };

export default async function BreakGlassPage() {
  await requireActor("clinician");
  return (
    <div className="max-w-xl space-y-6">
      <h1 className="text-2xl font-bold">Emergency (break-glass) access</h1>
      <p className="text-sm">
        Use this only when a patient outside your care team needs care now. Access covers that one patient, lasts{" "}
        {config().breakGlassMinutes} minutes, alerts the auditors and is reviewed.
      </p>
      <Card>
        <BreakGlassForm />
      </Card>
    </div>
  );
}
