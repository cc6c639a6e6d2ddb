/**
 * A small trend line for one observation code. Hand-drawn SVG for the same reason as the bar chart: the nonce
 * CSP blocks the inline styles chart libraries write; presentation attributes are allowed.
 */
export function Sparkline({ label, values }: { label: string; values: number[] }) {
  if (values.length < 2) return null;
  const width = 120;
  const height = 28;
  const min = Math.min(...values);
  const span = Math.max(...values) - min || 1;
  const points = values.map((v, i) => `${(i / (values.length - 1)) * width},${height - 2 - ((v - min) / span) * (height - 4)}`).join(" ");
  return (
    <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={label} className="shrink-0">
      <polyline points={points} fill="none" stroke="#0f6e7a" strokeWidth="2" strokeLinejoin="round" />
    </svg>
  );
}
