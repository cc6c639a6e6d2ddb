import Link from "next/link";
import { resetPasswordAction } from "@/app/(public)/account-link-actions";
import { AuthShell } from "@/components/auth/auth-shell";
import { SetPasswordForm } from "@/components/auth/set-password-form";

export const metadata = { title: "Choose a new password" };

export default async function ResetPasswordPage({ params }: PageProps<"/reset-password/[token]">) {
  const { token } = await params;
  return (
    <AuthShell title="Choose a new password" footer={<Link className="underline" href="/forgot-password">Ask for a new link</Link>}>
      <p className="mb-4 text-sm text-slate-700">Saving it signs your account out on every device.</p>
      <SetPasswordForm token={token} action={resetPasswordAction} submit="Save new password" />
    </AuthShell>
  );
}
