// What the bench scripts share: their command-line options, medians and the load average.
import * as os from 'node:os';

export { root } from './bundle.mjs';

const args = process.argv.slice(2);

/** The word after `--name` on the command line, or `def` when the option is absent (or last). */
export function opt(name, def) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : def;
}

/** opt() as a number. */
export const num = (name, def) => Number(opt(name, def));

/** Whether `--name` is on the command line. */
export const flag = (name) => args.includes(`--${name}`);

/** The median (the mean of the two middle values for an even count; NaN for none). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median, p95 and max, each a value of `xs` (the one at floor(p × count) in sorted order). */
export function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: q(0.5), p95: q(0.95), max: s[s.length - 1] };
}

/** The 1, 5 and 15 minute load averages, e.g. "1.52 1.20 0.98". */
export const load = (digits = 2) => os.loadavg().map((x) => x.toFixed(digits)).join(' ');

/**
 * `rounds` rounds of `run(side)` for each side, the order rotated every round (two sides:
 * A B, B A, …; three: A B C, B C A, C A B, …) so all see the same machine load;
 * `check(round)` may reject a round as soon as it ends. Returns one `{ [side]: result }` a round.
 */
export function alternating(rounds, sides, run, check = () => {}) {
  const out = [];
  for (let i = 0; i < rounds; i++) {
    const round = {};
    const k = i % sides.length;
    for (const side of [...sides.slice(k), ...sides.slice(0, k)]) round[side] = run(side);
    check(round);
    out.push(round);
  }
  return out;
}
