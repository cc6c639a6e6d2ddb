/** An IANA time zone name this runtime knows (Europe/Paris, America/New_York); offsets like "EST+5" are not. */
export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}
