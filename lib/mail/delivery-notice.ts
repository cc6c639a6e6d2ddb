import type { Delivery } from "./send";

export interface DeliveryNotice {
  ok: true;
  message: string;
  /** Production without SMTP_URL only: the link, shown this once to the person who sent the invitation. */
  link?: string;
}

/** What the sender of an invitation is told about its delivery, in one set of words for every invitation. */
export function deliveryNotice(delivery: Delivery, link: string | null, to: string): DeliveryNotice {
  if (delivery.via === "smtp") return { ok: true, message: `Invitation sent to ${to}. The link works once, for 72 hours.` };
  if (delivery.via === "outbox") return { ok: true, message: `Invitation for ${to} written to the development mailbox (/dev/mailbox): no mail server is set up.` };
  return { ok: true, message: `${delivery.reason} Give ${to} this link yourself, over a channel you trust. It is shown only now and works once, for 72 hours.`, link: link ?? undefined };
}
