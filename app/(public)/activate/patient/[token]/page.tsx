import { activatePatientAction } from "@/app/(public)/account-link-actions";
import { AuthShell } from "@/components/auth/auth-shell";
import { PatientActivationForm } from "@/components/auth/patient-activation-form";

export const metadata = { title: "Open your patient account" };

export default async function ActivatePatientPage({ params }: PageProps<"/activate/patient/[token]">) {
  const { token } = await params;
  return (
    <AuthShell title="Open your patient account">
      <p className="mb-4 text-sm text-slate-700">
        Your care team invited you to the Custodia patient portal. Confirm your date of birth and choose a password.
        You can then add two-step verification with an authenticator app.
      </p>
      <PatientActivationForm token={token} action={activatePatientAction} />
    </AuthShell>
  );
}
