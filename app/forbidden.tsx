import Link from "next/link";

export default function Forbidden() {
  return (
    <main className="mx-auto max-w-lg px-4 py-16">
      <h1 className="mb-2 text-2xl font-bold">Not allowed</h1>
      <p className="mb-4">
        Your role does not give access to this page. The attempt has been recorded in the audit log.
      </p>
      <Link href="/" className="underline">
        Go to your home page
      </Link>
    </main>
  );
}
