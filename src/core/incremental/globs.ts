/**
 * Static facts about `inputs`/`outputs` globs (SPEC §7), shared by the validator and the
 * runner. Pure: no file system. Patterns are relative to the action's cwd and may only
 * match files inside the folder that holds the graph file; `!` at the start negates.
 */

/** `!pattern` -> { negated: true, body: 'pattern' }. */
export function splitNegation(pattern: string): { readonly negated: boolean; readonly body: string } {
  return pattern.startsWith('!') ? { negated: true, body: pattern.slice(1) } : { negated: false, body: pattern };
}

export function isAbsolutePattern(body: string): boolean {
  return body.startsWith('/') || /^[A-Za-z]:[\\/]/.test(body) || body.startsWith('\\\\');
}

/**
 * Folder segments of `cwd` joined with `body`, with `.` and `..` resolved, or null when the
 * result leaves the graph file's folder (a `..` too many). `cwd` undefined = the folder itself.
 * Only the literal part before the first glob character matters for escaping, but `..` after
 * a glob segment is resolved the same way (it is what the walker does).
 */
export function resolveUnderRoot(cwd: string | undefined, body: string): string[] | null {
  const out: string[] = [];
  const push = (seg: string): boolean => {
    if (seg === '' || seg === '.') return true;
    if (seg === '..') {
      if (out.length === 0) return false;
      out.pop();
      return true;
    }
    out.push(seg);
    return true;
  };
  for (const seg of (cwd ?? '').split(/[\\/]/)) if (!push(seg)) return null;
  for (const seg of body.split('/')) if (!push(seg)) return null;
  return out;
}

/**
 * Why a pattern can never match, or undefined when it may. `cwd` is the action's cwd as
 * written (relative to the graph file's folder); an absolute cwd is not checked here (the
 * runner checks where it points).
 */
export function unmatchableReason(pattern: string, cwd: string | undefined): string | undefined {
  const { negated, body } = splitNegation(pattern);
  if (body === '') return negated ? `'!' alone negates nothing` : 'an empty pattern matches nothing';
  if (isAbsolutePattern(body)) {
    return `it is an absolute path; patterns are relative to the action's cwd and only match files inside the graph file's folder`;
  }
  if (cwd !== undefined && isAbsolutePattern(cwd)) return undefined;
  if (resolveUnderRoot(cwd, body) === null) {
    return `it goes outside the graph file's folder ('..'); only files inside that folder are matched`;
  }
  return undefined;
}

/** True when the pattern has glob syntax (else it names one file). */
export function hasMagic(body: string): boolean {
  return /[*?[\]{}()!+@\\]/.test(body);
}
