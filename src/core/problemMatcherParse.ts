/**
 * The `problemMatcher` field of an action (or of `defaults`): a named matcher (`"$tsc"`),
 * an inline matcher (`{ "pattern": {...} | [...], "severity", "fileLocation", "source" }`,
 * or just a pattern `{ "regexp": …, "file": 1, … }`), or an array of those.
 * Diagnostics: `unknown-problem-matcher` (a name that is not shipped), `invalid-problem-matcher`
 * (a regexp that does not compile, a pattern without file/message groups, a group number
 * beyond the regexp's groups), `schema` for wrong types.
 */
import type { LNode } from './parse/tree';
import type { DiagnosticSink } from './parse/sink';
import { describeNode, spanOf } from './parse/tree';
import {
  GROUP_KEYS,
  NAMED_MATCHERS,
  NAMED_MATCHER_NAMES,
  PATTERN_KEYS,
  compilePattern,
  type FileLocation,
  type ProblemMatcher,
  type ProblemPattern,
  type ProblemSeverity,
} from './problemMatchers';
import { closest } from './suggest';

const MATCHER_KEYS = ['pattern', 'severity', 'fileLocation', 'source', 'owner'] as const;

function q(s: string): string {
  return `'${s}'`;
}

function props(n: LNode): [string, LNode, LNode | undefined][] {
  const keys = n.keys ?? [];
  const values = n.values ?? [];
  const seen = new Set<string>();
  const out: [string, LNode, LNode | undefined][] = [];
  keys.forEach((k, i) => {
    const name = k.value as string;
    if (seen.has(name)) return;
    seen.add(name);
    out.push([name, k, values[i]]);
  });
  return out;
}

/** Number of capture groups of a compiled regexp. */
function groupCount(re: RegExp): number {
  return (new RegExp(`${re.source}|`).exec('')?.length ?? 1) - 1;
}

function parsePattern(n: LNode, sink: DiagnosticSink, where: string, isLast: boolean, single: boolean): ProblemPattern | undefined {
  if (n.type !== 'object') {
    sink.error(`${where}: a problem pattern must be an object with a "regexp", got ${describeNode(n)}`, spanOf(n));
    return undefined;
  }
  const out: Record<string, unknown> = {};
  let ok = true;
  let regexpNode: LNode | undefined;
  for (const [name, key, v] of props(n)) {
    if (!v) continue;
    if (!(PATTERN_KEYS as readonly string[]).includes(name)) {
      const s = closest(name, PATTERN_KEYS);
      sink.warning(`unknown property ${q(name)} in the problem pattern of ${where}${s ? `; did you mean ${q(s)}?` : ''}`, spanOf(key), s ? { suggestion: s } : undefined);
      continue;
    }
    if (name === 'regexp') {
      if (v.type !== 'string') {
        sink.error(`${where}: 'regexp' must be a string, got ${describeNode(v)}`, spanOf(v));
        ok = false;
      } else {
        regexpNode = v;
        out['regexp'] = v.value;
      }
    } else if (name === 'loop') {
      if (v.type !== 'boolean') sink.error(`${where}: 'loop' must be true or false, got ${describeNode(v)}`, spanOf(v));
      else out['loop'] = v.value;
    } else {
      const num = v.type === 'number' ? (v.value as number) : NaN;
      if (!Number.isInteger(num) || num < 0) {
        sink.error(`${where}: '${name}' must be the number of a capture group (an integer >= 0), got ${describeNode(v)}`, spanOf(v));
        ok = false;
      } else out[name] = num;
    }
  }
  if (!regexpNode) {
    if (ok) sink.error(`${where}: the problem pattern has no "regexp"`, spanOf(n));
    return undefined;
  }
  const c = compilePattern(out['regexp'] as string);
  if (!c.ok) {
    sink.add('invalid-problem-matcher', 'error', `${where}: the problem pattern's regexp is not a valid regular expression: ${c.error}`, spanOf(regexpNode));
    return undefined;
  }
  if (!ok) return undefined;
  const groups = groupCount(c.re);
  for (const k of GROUP_KEYS) {
    const g = out[k];
    if (typeof g === 'number' && g > groups) {
      sink.add(
        'invalid-problem-matcher',
        'error',
        `${where}: '${k}' is capture group ${g}, but the regexp has ${groups === 0 ? 'no groups' : `only ${groups} group${groups === 1 ? '' : 's'}`}`,
        spanOf(regexpNode),
      );
      return undefined;
    }
  }
  if (single && (out['file'] === undefined || out['message'] === undefined)) {
    sink.add('invalid-problem-matcher', 'error', `${where}: the problem pattern needs a 'file' and a 'message' group`, spanOf(n));
    return undefined;
  }
  if (out['loop'] === true && !isLast) {
    sink.add('invalid-problem-matcher', 'error', `${where}: only the last pattern of a multi-line matcher can 'loop'`, spanOf(n));
    return undefined;
  }
  return out as unknown as ProblemPattern;
}

function parseOne(n: LNode, sink: DiagnosticSink, where: string): ProblemMatcher | undefined {
  if (n.type === 'string') {
    const name = n.value as string;
    const m = NAMED_MATCHERS.get(name);
    if (m) return m;
    const s = closest(name.startsWith('$') ? name : `$${name}`, NAMED_MATCHER_NAMES);
    const hint = !name.startsWith('$') && NAMED_MATCHERS.has(`$${name}`) ? `; did you mean '$${name}'?` : s ? `; did you mean ${q(s)}?` : '';
    sink.add(
      'unknown-problem-matcher',
      'error',
      `${where}: unknown problem matcher ${q(name)}${hint} (ActionTree knows ${NAMED_MATCHER_NAMES.join(', ')}; or write an inline pattern)`,
      spanOf(n),
      [],
      s ? { suggestion: s } : undefined,
    );
    return undefined;
  }
  if (n.type !== 'object') {
    sink.error(`${where}: 'problemMatcher' must be a matcher name such as "$tsc", an object or an array of them, got ${describeNode(n)}`, spanOf(n));
    return undefined;
  }
  const list = props(n);
  // A bare pattern: { "regexp": …, "file": 1, … }.
  if (list.some(([k]) => k === 'regexp')) {
    const p = parsePattern(n, sink, where, true, true);
    return p ? { name: 'inline', source: 'actiontree', severity: 'error', fileLocation: 'autodetect', pattern: [p] } : undefined;
  }
  let pattern: ProblemPattern[] | undefined;
  let severity: ProblemSeverity = 'error';
  let fileLocation: FileLocation = 'autodetect';
  let source = 'actiontree';
  let bad = false;
  let sawPattern = false;
  for (const [name, key, v] of list) {
    if (!v) continue;
    switch (name) {
      case 'pattern': {
        sawPattern = true;
        if (v.type === 'array') {
          const items = v.items ?? [];
          if (items.length === 0) {
            sink.error(`${where}: 'pattern' is an empty array`, spanOf(v));
            bad = true;
            break;
          }
          const ps = items.map((it, i) => parsePattern(it, sink, where, i === items.length - 1, items.length === 1));
          if (ps.every((p): p is ProblemPattern => p !== undefined)) {
            const hasFile = ps.some((p) => p.file !== undefined);
            const hasMessage = ps.some((p) => p.message !== undefined);
            if (!hasFile || !hasMessage) {
              sink.add('invalid-problem-matcher', 'error', `${where}: the patterns need a 'file' and a 'message' group between them`, spanOf(v));
              bad = true;
            } else pattern = ps;
          } else bad = true;
        } else {
          const p = parsePattern(v, sink, where, true, true);
          if (p) pattern = [p];
          else bad = true;
        }
        break;
      }
      case 'severity':
        if (v.type !== 'string' || !['error', 'warning', 'info'].includes(v.value as string)) {
          sink.error(`${where}: problem matcher 'severity' must be "error", "warning" or "info", got ${describeNode(v)}`, spanOf(v));
        } else severity = v.value as ProblemSeverity;
        break;
      case 'fileLocation':
        if (v.type !== 'string' || !['relative', 'absolute', 'autodetect'].includes(v.value as string)) {
          sink.error(`${where}: 'fileLocation' must be "relative" (to the action's cwd), "absolute" or "autodetect", got ${describeNode(v)}`, spanOf(v));
        } else fileLocation = v.value as FileLocation;
        break;
      case 'source':
      case 'owner':
        if (v.type !== 'string') sink.error(`${where}: problem matcher '${name}' must be a string, got ${describeNode(v)}`, spanOf(v));
        else if (name === 'source' || source === 'actiontree') source = v.value as string;
        break;
      default: {
        const s = closest(name, MATCHER_KEYS);
        sink.warning(`unknown property ${q(name)} in the problem matcher of ${where}${s ? `; did you mean ${q(s)}?` : ''}`, spanOf(key), s ? { suggestion: s } : undefined);
      }
    }
  }
  if (!sawPattern) {
    sink.error(`${where}: an inline problem matcher needs a 'pattern' (or use a name such as "$tsc")`, spanOf(n));
    return undefined;
  }
  if (bad || !pattern) return undefined;
  return { name: 'inline', source, severity, fileLocation, pattern };
}

/** Parses the value of `problemMatcher`. Invalid entries are reported and left out. */
export function parseProblemMatchers(v: LNode, sink: DiagnosticSink, where: string): ProblemMatcher[] {
  if (v.type === 'array') {
    const out: ProblemMatcher[] = [];
    for (const it of v.items ?? []) {
      const m = parseOne(it, sink, where);
      if (m) out.push(m);
    }
    return out;
  }
  const m = parseOne(v, sink, where);
  return m ? [m] : [];
}
