import Link from "next/link";
import { AuthShell } from "@/components/auth/auth-shell";
import { SessionNotice } from "@/components/auth/session-notice";
import { SignInForm } from "@/components/auth/sign-in-form";

export const metadata = { title: "Staff sign-in" };

export default async function StaffSignInPage({ searchParams }: PageProps<"/staff/sign-in">) {
  const { reason } = await searchParams;
  return (
    <AuthShell title="Staff sign-in" footer={<span className="flex gap-4"><Link className="underline" href="/sign-in">Patient sign-in</Link><Link className="underline" href="/forgot-password">Forgot password?</Link></span>}>
      <SessionNotice reason={typeof reason === "string" ? reason : undefined} />
      <SignInForm portal="staff" />
    </AuthShell>
  );
}
