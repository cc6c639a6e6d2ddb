import { EnrollForm } from "@/components/auth/enroll-form";
import { TotpChallenge } from "@/components/auth/totp-challenge";
import { Card } from "@/components/ui/card";
import { beginEnrollment } from "@/lib/auth/mfa";
import { requireActor } from "@/lib/auth/require-actor";
import { accountSummary } from "@/lib/services/account";
import { enrollTotpAction } from "../actions";

export const metadata = { title: "Two-step verification" };

export default async function SecurityPage() {
  const actor = await requireActor("patient");
  const account = await accountSummary(actor);
  const challenge = account.mfaEnrolled ? null : await beginEnrollment(actor.sessionId!, actor.request);
  return (
    <div className="max-w-xl space-y-6">
      <h1 className="text-2xl font-bold">Two-step verification</h1>
      <Card>
        {challenge ? (
          <div className="space-y-4">
            <p className="text-sm">
              Protect your record with a code from an authenticator app as well as your password. Scan this code, then
              enter the 6-digit code the app shows.
            </p>
            <TotpChallenge challenge={challenge} />
            <EnrollForm action={enrollTotpAction} continueTo="/patient" />
          </div>
        ) : (
          <p className="text-sm">Two-step verification is on for your account.</p>
        )}
      </Card>
    </div>
  );
}
