/**
 * `work`, with a unique key's refusal (Prisma's P2002) told as `refusal`. Check-then-insert services read "is it
 * taken?" first for a clear refusal; two parallel writers can both pass that read, and the unique key is then
 * the last word: the loser is told the same thing as if the read had caught it, instead of a server error.
 */
export async function refusingDuplicate<T>(work: Promise<T>, refusal: () => Error): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw isUniqueViolation(error) ? refusal() : error;
  }
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && (error as { code: unknown }).code === "P2002";
}
