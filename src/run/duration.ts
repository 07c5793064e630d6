/** A span of seconds for people: 42s, 3m07s, 2h05m (rounded first, so never "20m60s"). */
export function duration(seconds: number): string {
  if (seconds < 59.5) return `${Math.round(seconds)}s`;
  if (seconds < 3570) {
    const s = Math.round(seconds);
    return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  }
  const m = Math.round(seconds / 60);
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}
