/** "Did you mean …?" suggestions: optimal-string-alignment (Damerau-Levenshtein) distance. */

/** Edit distance with adjacent transpositions; stops early and returns `limit + 1` once it exceeds `limit`. */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (a === b) return 0;
  const n = a.length;
  const m = b.length;
  if (Math.abs(n - m) > limit) return limit + 1;
  if (n === 0 || m === 0) return Math.max(n, m) > limit ? limit + 1 : Math.max(n, m);
  let prev2 = new Array<number>(m + 1).fill(0);
  let prev = new Array<number>(m + 1);
  let cur = new Array<number>(m + 1).fill(0);
  for (let j = 0; j <= m; j++) prev[j] = j;
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    let rowMin = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= m; j++) {
      const cb = b.charCodeAt(j - 1);
      const cost = ca === cb ? 0 : 1;
      let v = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && ca === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === cb) {
        v = Math.min(v, (prev2[j - 2] as number) + 1);
      }
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > limit) return limit + 1;
    const t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  const d = prev[m] as number;
  return d > limit ? limit + 1 : d;
}

/**
 * The closest candidate to `name`, or undefined when none is close enough. A case-only
 * difference always wins. Ties go to the earlier candidate, so pass candidates in a
 * deterministic order (file order).
 */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  if (name.length === 0 || name.length > 200) return undefined;
  const lower = name.toLowerCase();
  const maxLenDiff = Math.max(2, Math.floor(name.length * 0.34));
  let bestDistance = Math.floor(name.length * 0.4) + 1; // must be strictly below
  let best: string | undefined;
  for (const c of candidates) {
    if (c === name) continue;
    if (Math.abs(c.length - name.length) > maxLenDiff) continue;
    if (c.toLowerCase() === lower) return c;
    if (c.length < 3 && name.length < 3) continue; // "a" vs "b" is no suggestion
    const d = editDistance(name, c, bestDistance - 1);
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best;
}
