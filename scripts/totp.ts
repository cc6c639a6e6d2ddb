/** `npm run demo:totp -- <email>`: the current TOTP code of a demo account (they are public by design). */
import { currentTotp } from "@/lib/auth/totp";
import { demoAccount } from "@/lib/demo/accounts";

const email = process.argv[2];
const account = email ? demoAccount(email) : undefined;
if (!account?.totpSecret) {
  console.error("usage: npm run demo:totp -- <demo account email with TOTP, e.g. clinician1@custodia.test>");
  process.exit(2);
}
console.log(await currentTotp(account.totpSecret));
