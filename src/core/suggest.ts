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
  // Counts of name's (ASCII) code units, for a cheap lower bound on the distance.
  let hist: Int32Array | undefined = new Int32Array(128);
  for (let i = 0; i < name.length; i++) {
    const ch = name.charCodeAt(i);
    if (ch >= 128) {
      hist = undefined;
      break;
    }
    hist[ch] = (hist[ch] as number) + 1;
  }
  for (const c of candidates) {
    if (c === name) continue;
    if (Math.abs(c.length - name.length) > maxLenDiff) continue;
    if (c.toLowerCase() === lower) return c;
    if (c.length < 3 && name.length < 3) continue; // "a" vs "b" is no suggestion
    if (hist && multisetBound(hist, name.length, c) >= bestDistance) continue; // cannot be closer
    const d = editDistance(name, c, bestDistance - 1);
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best;
}

/**
 * A lower bound of editDistance(name, c): every edit (insertion, deletion, substitution,
 * transposition) removes at most one unmatched code unit from each side of the multiset
 * difference, so the distance is at least the larger side. `hist` counts name's code units
 * (name all ASCII); it is restored before returning.
 */
function multisetBound(hist: Int32Array, nameLength: number, c: string): number {
  let extra = 0; // code units of c that name does not have (as a multiset)
  for (let i = 0; i < c.length; i++) {
    const ch = c.charCodeAt(i);
    if (ch >= 128) extra++;
    else {
      const left = (hist[ch] as number) - 1;
      hist[ch] = left;
      if (left < 0) extra++;
    }
  }
  for (let i = 0; i < c.length; i++) {
    const ch = c.charCodeAt(i);
    if (ch < 128) hist[ch] = (hist[ch] as number) + 1;
  }
  const missing = nameLength - (c.length - extra); // code units of name that c does not have
  return Math.max(extra, missing);
}
