/**
 * The cookies Auth.js sets for our credentials sign-in. Over HTTPS (production) each is named `__Host-`,
 * which browsers accept only with Secure, Path=/ and no Domain: a sibling subdomain or a plain-HTTP page
 * can then neither plant a session cookie (fixation) nor overwrite ours.
 */
export function authCookies(secure: boolean) {
  const prefix = secure ? "__Host-" : "";
  const options = { httpOnly: true, sameSite: "lax", path: "/", secure } as const;
  return {
    sessionToken: { name: `${prefix}authjs.session-token`, options },
    callbackUrl: { name: `${prefix}authjs.callback-url`, options },
    csrfToken: { name: `${prefix}authjs.csrf-token`, options },
  };
}
