import Link from "next/link";
import { AuthShell } from "@/components/auth/auth-shell";
import { ForgotPasswordForm } from "@/components/auth/forgot-password-form";

export const metadata = { title: "Forgot password" };

/** One page for patients and staff: the link in the message leads back to the right sign-in page. */
export default function ForgotPasswordPage() {
  return (
    <AuthShell
      title="Forgot password"
      footer={
        <span className="flex gap-4">
          <Link className="underline" href="/sign-in">Patient sign-in</Link>
          <Link className="underline" href="/staff/sign-in">Staff sign-in</Link>
        </span>
      }
    >
      <p className="mb-4 text-sm text-slate-700">Give the e-mail address of your account. We will send a link to choose a new password.</p>
      <ForgotPasswordForm />
    </AuthShell>
  );
}
