import { notFound } from "next/navigation";
import { Card } from "@/components/ui/card";
import { isProduction } from "@/lib/config";
import { readOutbox } from "@/lib/mail/outbox";

export const metadata = { title: "Development mailbox" };
export const dynamic = "force-dynamic";

/**
 * Development only (404 in production, where nothing is ever written to the outbox): the messages the app
 * would have e-mailed, so the demo's invitations and password resets work with no mail server. Not signed-in:
 * it stands in for the recipients' own inboxes.
 */
export default async function MailboxPage() {
  if (isProduction()) notFound();
  const messages = await readOutbox();
  return (
    <main className="mx-auto max-w-3xl space-y-4 px-4 py-8">
      <h1 className="text-2xl font-bold">Development mailbox</h1>
      <p className="text-sm text-slate-700">
        Messages written to the outbox because SMTP_URL is not set. Newest first. This page does not exist in production.
      </p>
      {messages.length === 0 ? <p className="text-sm">No messages yet.</p> : null}
      {messages.map((m) => (
        <Card key={m.id}>
          <article aria-label={`Message to ${m.to}`} className="space-y-2 text-sm">
            <h2 className="font-semibold">{m.subject}</h2>
            <p className="text-slate-600">
              To {m.to} · {m.sentAt.replace("T", " ").slice(0, 19)} UTC
            </p>
            <p className="whitespace-pre-wrap break-words">
              {m.text.split(/(https?:\/\/\S+)/).map((part, i) =>
                /^https?:\/\//.test(part) ? (
                  <a key={i} className="underline" href={part}>
                    {part}
                  </a>
                ) : (
                  part
                ),
              )}
            </p>
          </article>
        </Card>
      ))}
    </main>
  );
}
