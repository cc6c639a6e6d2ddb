import { activateAction } from "@/app/(public)/account-link-actions";
import { AuthShell } from "@/components/auth/auth-shell";
import { SetPasswordForm } from "@/components/auth/set-password-form";

export const metadata = { title: "Activate your account" };

export default async function ActivatePage({ params }: PageProps<"/activate/[token]">) {
  const { token } = await params;
  return (
    <AuthShell title="Activate your account">
      <p className="mb-4 text-sm text-slate-700">
        Choose the password for your Custodia staff account. Next you will set up two-step verification with an
        authenticator app on your phone.
      </p>
      <SetPasswordForm token={token} action={activateAction} submit="Set password and continue" />
    </AuthShell>
  );
}
