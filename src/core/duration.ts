/**
 * Durations as written in a graph file (`timeout`): a number of seconds, or a string made of
 * one or more `<number><unit>` parts with units `h`, `m`, `s`, `ms`, largest first, each at
 * most once: "250ms", "30s", "1.5s", "5m", "1h", "1m30s", "1h2m3s4ms". Must be positive.
 */
export type DurationResult = { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly message: string };

const NUM = '(\\d+(?:\\.\\d+)?)';
/** Also used (as a string) by the JSON schema's `pattern`. */
export const DURATION_PATTERN = `^(?=\\d)(?:${NUM}h)?(?:${NUM}m(?!s))?(?:${NUM}s)?(?:${NUM}ms)?$`;
const DURATION_RE = new RegExp(DURATION_PATTERN);
const UNIT_MS = [3_600_000, 60_000, 1_000, 1] as const;

export function parseDuration(v: unknown): DurationResult {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return { ok: false, message: 'a duration must be a finite number of seconds' };
    if (v <= 0) return { ok: false, message: `a duration must be positive, got ${v}` };
    return { ok: true, ms: v * 1000 };
  }
  if (typeof v !== 'string') {
    return { ok: false, message: `a duration must be a string like "30s" or a number of seconds, got ${describe(v)}` };
  }
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) {
    return { ok: false, message: `duration "${clip(v)}" needs a unit: "${s}s", "${s}m", "${s}ms" or the number ${s} (seconds)` };
  }
  const m = v.length <= 64 ? DURATION_RE.exec(v) : null;
  if (!m) {
    return { ok: false, message: `invalid duration "${clip(v)}": use e.g. "250ms", "30s", "1.5s", "5m", "1h", "1m30s" or a number of seconds` };
  }
  let ms = 0;
  for (let i = 0; i < 4; i++) {
    const part = m[i + 1];
    if (part !== undefined) ms += Number(part) * (UNIT_MS[i] as number);
  }
  if (!(ms > 0) || !Number.isFinite(ms)) return { ok: false, message: `a duration must be positive, got "${clip(v)}"` };
  return { ok: true, ms };
}

/** Formats milliseconds for messages: "250ms", "1.5s", "2m 5s", "1h 3m". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Math.round(ms / 100) / 10}s`;
  const totalS = Math.round(ms / 1000);
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = totalS % 60;
  if (h > 0) return m > 0 ? `${h}h ${m}m` : `${h}h`;
  return s > 0 ? `${m}m ${s}s` : `${m}m`;
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : typeof v;
}
