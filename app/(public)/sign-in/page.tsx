import Link from "next/link";
import { AuthShell } from "@/components/auth/auth-shell";
import { SessionNotice } from "@/components/auth/session-notice";
import { SignInForm } from "@/components/auth/sign-in-form";

export const metadata = { title: "Patient sign-in" };

export default async function PatientSignInPage({ searchParams }: PageProps<"/sign-in">) {
  const { reason } = await searchParams;
  return (
    <AuthShell title="Patient sign-in" footer={<Link className="underline" href="/staff/sign-in">Staff sign-in</Link>}>
      <SessionNotice reason={typeof reason === "string" ? reason : undefined} />
      <SignInForm portal="patient" />
    </AuthShell>
  );
}
