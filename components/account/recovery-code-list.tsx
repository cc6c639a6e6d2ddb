/** Recovery codes shown once, with a plain-text download so they can be kept off this screen. */
export function RecoveryCodeList({ codes }: { codes: string[] }) {
  const file = `Custodia recovery codes\nEach code works once, in place of a code from your authenticator app.\n\n${codes.join("\n")}\n`;
  return (
    <div className="space-y-3">
      <p className="text-sm">Save these recovery codes somewhere safe. Each works once if you lose your phone. They will not be shown again.</p>
      <ul aria-label="Recovery codes" className="grid grid-cols-2 gap-2 font-mono text-sm">
        {codes.map((code) => (
          <li key={code} className="rounded bg-slate-100 px-2 py-1">
            {code}
          </li>
        ))}
      </ul>
      <a
        href={`data:text/plain;charset=utf-8,${encodeURIComponent(file)}`}
        download="custodia-recovery-codes.txt"
        className="inline-block rounded-md border border-slate-300 px-4 py-2 text-sm font-medium"
      >
        Download the codes
      </a>
    </div>
  );
}
