import { signOutAction } from "@/app/(public)/auth-actions";

export function SignOutButton({ label = "Sign out" }: { label?: string }) {
  return (
    <form action={signOutAction}>
      <button type="submit" className="text-sm underline">
        {label}
      </button>
    </form>
  );
}
