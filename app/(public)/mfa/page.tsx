import { AuthShell } from "@/components/auth/auth-shell";
import { MfaForm } from "@/components/auth/mfa-form";
import { SignOutButton } from "@/components/shell/sign-out-button";
import { requirePendingMfa } from "@/lib/auth/require-actor";

export const metadata = { title: "Two-step verification" };

export default async function MfaPage() {
  await requirePendingMfa("verify");
  return (
    <AuthShell title="Two-step verification" footer={<SignOutButton label="Cancel and sign out" />}>
      <MfaForm />
    </AuthShell>
  );
}
