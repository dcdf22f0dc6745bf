/** Time formatting and axis ticks for the Gantt chart. Pure. */

/** "850 ms", "12.3 s", "2 m 05 s", "1 h 02 m". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const totalS = Math.round(ms / 1000);
  if (totalS < 3600) return `${Math.floor(totalS / 60)} m ${String(totalS % 60).padStart(2, '0')} s`;
  const totalM = Math.round(totalS / 60);
  return `${Math.floor(totalM / 60)} h ${String(totalM % 60).padStart(2, '0')} m`;
}

/** Axis label relative to the run's start: "0s", "+250ms", "+1.5s", "+2m30s", "+1h05m". */
export function formatOffset(ms: number, step: number): string {
  if (ms === 0) return '0';
  const sign = ms < 0 ? '−' : '+';
  const a = Math.abs(ms);
  if (step < 1000) {
    if (a < 1000) return `${sign}${Math.round(a)}ms`;
    const decimals = step < 100 ? 2 : 1;
    return `${sign}${trimZeros((a / 1000).toFixed(decimals))}s`;
  }
  if (a < 60_000) return `${sign}${trimZeros((a / 1000).toFixed(step % 1000 === 0 ? 0 : 1))}s`;
  const s = Math.round(a / 1000);
  if (s < 3600) {
    const sec = s % 60;
    return `${sign}${Math.floor(s / 60)}m${sec ? String(sec).padStart(2, '0') + 's' : ''}`;
  }
  const m = Math.round(s / 60);
  const min = m % 60;
  return `${sign}${Math.floor(m / 60)}h${min ? String(min).padStart(2, '0') + 'm' : ''}`;
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** UTC wall clock "HH:MM:SS" (deterministic default; the webview passes a local formatter). */
export function formatClockUtc(t: number): string {
  const d = new Date(t);
  const p = (x: number): string => String(x).padStart(2, '0');
  return `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

const STEPS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000,
  900_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
];

/** The smallest "nice" tick step (ms) that leaves at least `minPx` pixels between ticks. */
export function tickStep(msPerPx: number, minPx = 90): number {
  const want = msPerPx * minPx;
  for (const s of STEPS) if (s >= want) return s;
  return Math.ceil(want / 86_400_000) * 86_400_000;
}

/** Tick times (absolute) at multiples of `step` from `origin`, within [from, to]. */
export function ticks(origin: number, from: number, to: number, step: number, max = 500): number[] {
  const out: number[] = [];
  let k = Math.ceil((from - origin) / step);
  for (let t = origin + k * step; t <= to && out.length < max; k++, t = origin + k * step) out.push(t);
  return out;
}
