import Link from "next/link";
import { AuthShell } from "@/components/auth/auth-shell";
import { SessionNotice } from "@/components/auth/session-notice";
import { SignInForm } from "@/components/auth/sign-in-form";

export const metadata = { title: "Patient sign-in" };

export default async function PatientSignInPage({ searchParams }: PageProps<"/sign-in">) {
  const { reason } = await searchParams;
  return (
    <AuthShell title="Patient sign-in" footer={<span className="flex gap-4"><Link className="underline" href="/staff/sign-in">Staff sign-in</Link><Link className="underline" href="/forgot-password">Forgot password?</Link></span>}>
      <SessionNotice reason={typeof reason === "string" ? reason : undefined} />
      <SignInForm portal="patient" />
    </AuthShell>
  );
}
