import { redirect } from "next/navigation";
import { confirmEnrollmentAction } from "@/app/(public)/auth-actions";
import { AuthShell } from "@/components/auth/auth-shell";
import { EnrollForm } from "@/components/auth/enroll-form";
import { TotpChallenge } from "@/components/auth/totp-challenge";
import { SignOutButton } from "@/components/shell/sign-out-button";
import { beginEnrollment } from "@/lib/auth/mfa";
import { currentRequestMeta, requirePendingMfa } from "@/lib/auth/require-actor";

export const metadata = { title: "Set up two-step verification" };

export default async function EnrollPage() {
  const { sessionId } = await requirePendingMfa("enroll");
  const challenge = await beginEnrollment(sessionId, await currentRequestMeta());
  if (!challenge) redirect("/sign-in?reason=revoked");
  return (
    <AuthShell title="Set up two-step verification" footer={<SignOutButton label="Cancel and sign out" />}>
      <div className="space-y-4">
        <p className="text-sm">
          Your account needs a second factor before you can continue. Scan this code with an authenticator app (for example FreeOTP, Aegis or
          Google Authenticator), then enter the 6-digit code it shows.
        </p>
        <TotpChallenge challenge={challenge} />
        <EnrollForm action={confirmEnrollmentAction} />
      </div>
    </AuthShell>
  );
}
