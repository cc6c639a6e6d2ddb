import Link from "next/link";

export default function NotFound() {
  return (
    <main className="mx-auto max-w-lg px-4 py-16">
      <h1 className="mb-2 text-2xl font-bold">Not found</h1>
      <p className="mb-4">There is nothing here, or it is not yours to see.</p>
      <Link href="/" className="underline">
        Go to your home page
      </Link>
    </main>
  );
}
