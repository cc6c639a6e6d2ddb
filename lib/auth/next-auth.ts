import "server-only";
import NextAuth, { CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { config, isProduction } from "@/lib/config";
import { keyProvider } from "@/lib/crypto/keys";
import { log } from "@/lib/ops/log";
import { signInSchema } from "@/lib/validation/auth";
import { authCookies } from "./cookies";
import { requestMetaFrom } from "./request-meta";
import { passwordSignIn } from "./sign-in";

declare module "next-auth" {
  interface Session {
    sid?: string;
  }
  interface User {
    sid?: string;
  }
}

/** Carries our refusal reason out of authorize(); the codes are generic on purpose. */
class SignInRefused extends CredentialsSignin {
  constructor(reason: string) {
    super();
    this.code = reason;
  }
}

/** The secret Auth.js seals the session cookie with; lib/auth/require-actor.ts reads the cookie with it. */
export const authJsSecret = () => keyProvider().secret("authSecret").toString("base64url");

// Lazy: keys are read per request, not at build time, so `next build` needs no production secrets.
// Requests read the session id with sessionIdFromToken (lib/auth/session-cookie.ts), not auth().
export const { signIn, signOut } = NextAuth(() => ({
  secret: authJsSecret(),
  trustHost: true,
  useSecureCookies: isProduction(),
  cookies: authCookies(isProduction()),
  session: { strategy: "jwt", maxAge: config().sessionMaxSeconds },
  pages: { signIn: "/sign-in" },
  // A refused sign-in is an expected outcome, already in the audit log: keep it out of the error log.
  logger: {
    error(error) {
      if (error instanceof CredentialsSignin) return;
      log().error({ err: error }, "authentication error");
    },
  },
  providers: [
    Credentials({
      credentials: { email: {}, password: {}, portal: {} },
      async authorize(credentials, request) {
        const input = signInSchema.safeParse(credentials);
        if (!input.success) throw new SignInRefused("invalid");
        const result = await passwordSignIn(input.data, requestMetaFrom(request.headers));
        if (!result.ok) throw new SignInRefused(result.reason);
        return { id: result.userId, sid: result.sessionId };
      },
    }),
  ],
  callbacks: {
    // The token holds only the user and session ids; everything else is looked up server-side per request.
    jwt({ token, user }) {
      if (user?.sid) token.sid = user.sid;
      return token;
    },
    session({ session, token }) {
      return { ...session, sid: typeof token.sid === "string" ? token.sid : undefined };
    },
  },
}));
