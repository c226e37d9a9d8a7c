/** Human-readable times and durations. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  const hours = Math.floor(m / 60);
  return `${hours} h ${m - hours * 60} min`;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

export function ago(iso: string, now: number): string {
  const ms = now - Date.parse(iso);
  return Number.isNaN(ms) ? iso : `${formatDuration(Math.max(0, ms))} ago`;
}
