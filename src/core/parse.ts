/**
 * Text -> jsonc-parser tree -> Graph model with source spans, plus the `syntax`, `schema`,
 * `duplicate-action`, `unknown-resource` and `over-capacity` diagnostics. Never throws.
 * References between actions (dependsOn) and cycles are checked in analyze.ts / cycles.ts.
 */
import { parseSlurmSettings, type ExecutorSettings, type SlurmSettings } from './slurm-settings';
import { createScanner, printParseErrorCode, visit, type ParseError, type ParseErrorCode } from 'jsonc-parser';
import type { Diagnostic, DiagnosticCode, RelatedInfo, Severity } from './diagnostics';
import { parseDuration } from './duration';
import { parseHooks } from './hooks';
import { checkActionLimits, parseActionLimitField, parseTopLimits, type ActionLimitFields } from './limits';
import { unmatchableReason } from './incremental/globs';
import type { ActionLimits, ActionModel, Command, Graph, ResourceDecl, ResourceUse, StringRef } from './model';
import { closest } from './suggest';
import { parseProblemMatchers } from './problemMatcherParse';
import type { ProblemMatcher } from './problemMatchers';
import type { Span } from './text';

/** Deeper nesting than this is never a valid graph; refuse it before jsonc-parser recurses. */
export const MAX_NESTING = 256;

export const ACTION_ID_PATTERN = '^[A-Za-z0-9_.:/-]+$';
const ACTION_ID_RE = /^[A-Za-z0-9_.:/-]+$/;

export const TOP_LEVEL_KEYS = [
  '$schema',
  'version',
  'name',
  'cpus',
  'keepGoing',
  'resources',
  'defaults',
  'actions',
  // SPEC §8 (limits.ts)
  'memory',
  'timeout',
  'maxLoad',
  'minFreeMemory',
  'cpuAffinity',
  'groups',
  // SPEC §9 (slurm-settings.ts)
  'executor',
  // SPEC §10 (hooks.ts)
  'hooks',
  'hookTimeout',
] as const;
export const ACTION_KEYS = [
  'command',
  'dependsOn',
  'cpus',
  'resources',
  'timeout',
  'retries',
  'acceptFailedDependencies',
  'priority',
  'cwd',
  'env',
  'description',
  'slurm',
  'problemMatcher',
  'inputs',
  'outputs',
  'envInputs',
  // SPEC §8 (limits.ts)
  'memory',
  'memoryLimit',
  'group',
  'retryOn',
  'retryDelay',
] as const;
const LIMIT_ACTION_KEY_SET: ReadonlySet<string> = new Set(['memory', 'memoryLimit', 'group', 'retryOn', 'retryDelay']);
export const DEFAULTS_KEYS = ACTION_KEYS.filter((k) => k !== 'command' && k !== 'dependsOn');

/** An action under construction; `deps` is filled by analyze.ts. */
export type MutableAction = { -readonly [K in keyof ActionModel]: ActionModel[K] } & { deps: string[] };

export interface ParseResult {
  /** The light syntax tree (for the full jsonc-parser tree, see Analysis.root). */
  readonly tree: LNode | undefined;
  readonly graph: Graph;
  readonly actions: MutableAction[];
  readonly diagnostics: Diagnostic[];
  /** Resource names mentioned by defaults or an action (declared or not). */
  readonly usedResources: Set<string>;
}

const SYNTAX_MESSAGES: Record<string, string> = {
  InvalidSymbol: 'Invalid symbol',
  InvalidNumberFormat: 'Invalid number format',
  PropertyNameExpected: 'Expected a property name',
  ValueExpected: 'Expected a value',
  ColonExpected: 'Expected a colon',
  CommaExpected: 'Expected comma',
  CloseBraceExpected: "Expected '}'",
  CloseBracketExpected: "Expected ']'",
  EndOfFileExpected: 'Expected end of file',
  InvalidCommentToken: 'Invalid comment token',
  UnexpectedEndOfComment: 'Unexpected end of comment',
  UnexpectedEndOfString: 'Unexpected end of string',
  UnexpectedEndOfNumber: 'Unexpected end of number',
  InvalidUnicode: 'Invalid unicode escape sequence',
  InvalidEscapeCharacter: 'Invalid escape character',
  InvalidCharacter: 'Invalid character in string',
};

export function syntaxMessage(e: ParseError): string {
  const name = printParseErrorCode(e.error);
  const text = SYNTAX_MESSAGES[name] ?? 'Syntax error';
  return `${text} (${name})`;
}

export class DiagnosticSink {
  readonly list: Diagnostic[] = [];
  add(
    code: DiagnosticCode,
    severity: Severity,
    message: string,
    span: Span,
    related: readonly RelatedInfo[] = [],
    data?: Record<string, string>,
  ): void {
    const d: Diagnostic = data ? { code, severity, message, span, related, data } : { code, severity, message, span, related };
    this.list.push(d);
  }
  error(message: string, span: Span, data?: Record<string, string>): void {
    this.add('schema', 'error', message, span, [], data);
  }
  warning(message: string, span: Span, data?: Record<string, string>): void {
    this.add('schema', 'warning', message, span, [], data);
  }
}

/** Returns the offset of the first opening bracket nested deeper than `limit`, or -1. Iterative. */
export function findExcessiveNesting(text: string, limit: number): number {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      // Skip the string: the next quote not escaped by an odd number of backslashes.
      // (An unterminated string may hide brackets; parsing is still guarded by a catch.)
      for (;;) {
        const j = text.indexOf('"', i + 1);
        if (j < 0) return -1;
        let b = j - 1;
        while (text.charCodeAt(b) === 92 /* \ */) b--;
        i = j;
        if ((j - 1 - b) % 2 === 0) break;
      }
    } else if (c === 47 /* / */) {
      const next = text.charCodeAt(i + 1);
      if (next === 47) {
        const nl = text.indexOf('\n', i);
        i = nl < 0 ? n : nl;
      } else if (next === 42 /* * */) {
        const end = text.indexOf('*/', i + 2);
        i = end < 0 ? n : end + 1;
      }
    } else if (c === 123 || c === 91) {
      if (++depth > limit) return i;
    } else if (c === 125 || c === 93) {
      if (depth > 0) depth--;
    }
  }
  return -1;
}

/**
 * A light syntax tree: only what validation reads. Objects keep their keys and values in
 * two aligned arrays (no property nodes, no parent links), which makes a 10,000-action file
 * several times cheaper to build than jsonc-parser's `parseTree` (fewer, smaller objects).
 */
export interface LNode {
  readonly type: 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';
  readonly offset: number;
  length: number;
  readonly value?: unknown;
  /** Array elements. */
  readonly items?: LNode[];
  /** Object keys (string nodes), in order, repeats included. */
  readonly keys?: LNode[];
  /** Object values aligned with `keys`; undefined where a value is missing (a syntax error). */
  readonly values?: (LNode | undefined)[];
}

// jsonc-parser's const enums (not usable with isolatedModules), by value.
const T_OPEN_BRACE = 1;
const T_CLOSE_BRACE = 2;
const T_OPEN_BRACKET = 3;
const T_CLOSE_BRACKET = 4;
const T_COMMA = 5;
const T_COLON = 6;
const T_NULL = 7;
const T_TRUE = 8;
const T_FALSE = 9;
const T_STRING = 10;
const T_NUMBER = 11;
const T_LINE_COMMENT = 12;
const T_BLOCK_COMMENT = 13;
const T_LINE_BREAK = 14;
const T_TRIVIA = 15;
const T_UNKNOWN = 16;
const T_EOF = 17;
const E_INVALID_SYMBOL = 1;
const E_INVALID_NUMBER_FORMAT = 2;
const E_PROPERTY_NAME_EXPECTED = 3;
const E_VALUE_EXPECTED = 4;
const E_COLON_EXPECTED = 5;
const E_COMMA_EXPECTED = 6;
const E_CLOSE_BRACE_EXPECTED = 7;
const E_CLOSE_BRACKET_EXPECTED = 8;
const E_END_OF_FILE_EXPECTED = 9;
/** ScanError -> ParseErrorCode, as jsonc-parser's visitor maps them. */
const SCAN_ERRORS: readonly number[] = [0, 11, 12, 13, 14, 15, 16];

/** The property names of the format, by length (shared constant strings). */
const KEYS_BY_LENGTH: string[][] = [];
for (const k of new Set<string>([...TOP_LEVEL_KEYS, ...ACTION_KEYS])) (KEYS_BY_LENGTH[k.length] ??= []).push(k);

function knownKey(text: string, start: number, length: number): string | undefined {
  const list = KEYS_BY_LENGTH[length];
  if (list === undefined) return undefined;
  for (let i = 0; i < list.length; i++) {
    const k = list[i] as string;
    if (text.startsWith(k, start)) return k;
  }
  return undefined;
}

interface Frame {
  readonly node: LNode;
  readonly isObject: boolean;
  needsComma: boolean;
  /** Where this frame's children start on the shared child stack. */
  readonly start: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Builds the light tree with jsonc-parser's scanner and an explicit stack: no recursion, so
 * any nesting depth is safe. It follows jsonc-parser's `visit` step by step, so syntax errors
 * and their ranges are exactly jsonc-parser's (a differential test checks this against
 * `buildTreeWithVisitor`).
 */
export function buildTree(text: string, errors: ParseError[]): LNode | undefined {
  const scanner = createScanner(text, false);
  const len = text.length;
  let token = 0;
  /** Position after the current token, and the current token's offset, length and value. */
  let pos = 0;
  let tokOff = 0;
  let tokLen = 0;
  let tokValue = '';
  /** A plain string token's value is text[lazyStart, lazyEnd), sliced on first use. */
  let lazy = false;
  let lazyStart = 0;
  let lazyEnd = 0;
  const value = (): string => {
    if (lazy) {
      lazy = false;
      tokValue = text.substring(lazyStart, lazyEnd);
    }
    return tokValue;
  };
  /** A property name: the format's own names are shared constants (no slice, fast compares). */
  const keyValue = (): string => (lazy ? knownKey(text, lazyStart, lazyEnd - lazyStart) ?? value() : tokValue);
  /** The current token (a function, so TypeScript does not narrow it across scanNext calls). */
  const tok = (): number => token;
  const error = (code: number): void => {
    errors.push({ error: code as ParseErrorCode, offset: tokOff, length: tokLen });
  };
  /**
   * The next token. The common tokens (punctuation, plain strings without escapes or control
   * characters) and plain whitespace are scanned here; anything else (numbers, literals,
   * comments, escapes, errors) by jsonc-parser's scanner from the same position, so tokens,
   * values and errors are exactly jsonc-parser's.
   */
  const scanNext = (): number => {
    for (;;) {
      let c = text.charCodeAt(pos);
      while (c === 32 || c === 10 || c === 13 || c === 9) c = text.charCodeAt(++pos);
      if (pos >= len) {
        // As jsonc-parser: past an unterminated block comment, pos is len + 1 (length 1).
        tokOff = len;
        tokLen = pos - len;
        token = T_EOF;
        return T_EOF;
      }
      let fast = 0;
      switch (c) {
        case 123:
          fast = T_OPEN_BRACE;
          break;
        case 125:
          fast = T_CLOSE_BRACE;
          break;
        case 91:
          fast = T_OPEN_BRACKET;
          break;
        case 93:
          fast = T_CLOSE_BRACKET;
          break;
        case 44:
          fast = T_COMMA;
          break;
        case 58:
          fast = T_COLON;
          break;
        case 34: {
          let p = pos + 1;
          for (;;) {
            const ch = text.charCodeAt(p); // NaN past the end
            if (ch === 34) break;
            if (ch === 92 || !(ch > 0x1f)) {
              p = -1; // escape, control character or end of text: jsonc-parser's scanner
              break;
            }
            p++;
          }
          if (p >= 0) {
            tokOff = pos;
            tokLen = p + 1 - pos;
            lazy = true;
            lazyStart = pos + 1;
            lazyEnd = p;
            pos = p + 1;
            token = T_STRING;
            return T_STRING;
          }
          break;
        }
        default:
          break;
      }
      if (fast !== 0) {
        lazy = false;
        tokOff = pos;
        tokLen = 1;
        pos++;
        token = fast;
        return fast;
      }
      scanner.setPosition(pos);
      const t = scanner.scan() as number;
      tokOff = scanner.getTokenOffset();
      tokLen = scanner.getTokenLength();
      pos = tokOff + tokLen;
      const se = scanner.getTokenError() as number;
      if (se !== 0) error(SCAN_ERRORS[se] ?? E_INVALID_SYMBOL);
      if (t === T_LINE_COMMENT || t === T_BLOCK_COMMENT || t === T_LINE_BREAK || t === T_TRIVIA) continue;
      if (t === T_UNKNOWN) {
        error(E_INVALID_SYMBOL);
        continue;
      }
      lazy = false;
      tokValue = scanner.getTokenValue();
      token = t;
      return t;
    }
  };
  /** jsonc-parser's handleError: report, then skip until after / until one of the tokens. */
  const fail = (code: number, skipUntilAfter: number, skipUntil1: number, skipUntil2: number): void => {
    error(code);
    if (skipUntilAfter === 0 && skipUntil1 === 0) return;
    while (token !== T_EOF) {
      if (token === skipUntilAfter) {
        scanNext();
        break;
      }
      if (token === skipUntil1 || token === skipUntil2) break;
      scanNext();
    }
  };

  let root: LNode | undefined;
  const stack: Frame[] = [];
  /**
   * The children of all open frames, innermost last: array items, or key/value pairs of an
   * object. A frame's children are copied into exact-size arrays when it closes (no arrays
   * grown by push in the tree). Entries past `cTop` are stale.
   */
  const cStack: (LNode | undefined)[] = [];
  let cTop = 0;
  const attach = (n: LNode): void => {
    const top = stack[stack.length - 1];
    if (top === undefined) {
      root ??= n;
    } else if (top.isObject) {
      if (cTop > top.start && cStack[cTop - 1] === undefined) cStack[cTop - 1] = n;
    } else {
      cStack[cTop++] = n;
    }
  };
  const closeFrame = (f: Frame): void => {
    const node = f.node as Mutable<LNode>;
    const start = f.start;
    if (f.isObject) {
      const m = (cTop - start) >> 1;
      const keys = new Array<LNode>(m);
      const values = new Array<LNode | undefined>(m);
      for (let j = 0; j < m; j++) {
        keys[j] = cStack[start + 2 * j] as LNode;
        values[j] = cStack[start + 2 * j + 1];
      }
      node.keys = keys;
      node.values = values;
    } else {
      node.items = cStack.slice(start, cTop) as LNode[];
    }
    cTop = start;
  };
  /** jsonc-parser's parseValue, except that objects and arrays push a frame and return. */
  const startValue = (): boolean => {
    const offset = tokOff;
    const length = tokLen;
    switch (token) {
      case T_OPEN_BRACKET: {
        const node: LNode = { type: 'array', offset, length: 0, items: undefined };
        attach(node);
        stack.push({ node, isObject: false, needsComma: false, start: cTop });
        scanNext();
        return true;
      }
      case T_OPEN_BRACE: {
        const node: LNode = { type: 'object', offset, length: 0, keys: undefined, values: undefined };
        attach(node);
        stack.push({ node, isObject: true, needsComma: false, start: cTop });
        scanNext();
        return true;
      }
      case T_STRING:
        attach({ type: 'string', offset, length, value: value() });
        break;
      case T_NUMBER: {
        let num = Number(value());
        if (Number.isNaN(num)) {
          error(E_INVALID_NUMBER_FORMAT);
          num = 0;
        }
        attach({ type: 'number', offset, length, value: num });
        break;
      }
      case T_NULL:
        attach({ type: 'null', offset, length, value: null });
        break;
      case T_TRUE:
        attach({ type: 'boolean', offset, length, value: true });
        break;
      case T_FALSE:
        attach({ type: 'boolean', offset, length, value: false });
        break;
      default:
        return false;
    }
    scanNext();
    return true;
  };

  scanNext();
  if (tok() === T_EOF) {
    error(E_VALUE_EXPECTED);
    return undefined;
  }
  if (!startValue()) {
    error(E_VALUE_EXPECTED);
    return undefined;
  }
  while (stack.length > 0) {
    const f = stack[stack.length - 1] as Frame;
    const close = f.isObject ? T_CLOSE_BRACE : T_CLOSE_BRACKET;
    if (tok() === close || tok() === T_EOF) {
      f.node.length = tokOff + tokLen - f.node.offset;
      closeFrame(f);
      stack.pop();
      if (tok() !== close) fail(f.isObject ? E_CLOSE_BRACE_EXPECTED : E_CLOSE_BRACKET_EXPECTED, close, 0, 0);
      else scanNext();
      continue;
    }
    if (tok() === T_COMMA) {
      if (!f.needsComma) error(E_VALUE_EXPECTED);
      scanNext();
      if (tok() === close) continue; // trailing comma (allowed)
    } else if (f.needsComma) {
      error(E_COMMA_EXPECTED);
    }
    f.needsComma = true;
    if (!f.isObject) {
      if (!startValue()) fail(E_VALUE_EXPECTED, 0, T_CLOSE_BRACKET, T_COMMA);
      continue;
    }
    // a property
    if (tok() !== T_STRING) {
      fail(E_PROPERTY_NAME_EXPECTED, 0, T_CLOSE_BRACE, T_COMMA);
      fail(E_VALUE_EXPECTED, 0, T_CLOSE_BRACE, T_COMMA);
      continue;
    }
    cStack[cTop++] = { type: 'string', offset: tokOff, length: tokLen, value: keyValue() };
    cStack[cTop++] = undefined;
    scanNext();
    if (tok() === T_COLON) {
      scanNext();
      if (!startValue()) fail(E_VALUE_EXPECTED, 0, T_CLOSE_BRACE, T_COMMA);
    } else {
      fail(E_COLON_EXPECTED, 0, T_CLOSE_BRACE, T_COMMA);
    }
  }
  if (tok() !== T_EOF) error(E_END_OF_FILE_EXPECTED);
  return root;
}

/**
 * The same tree built through jsonc-parser's own (recursive) `visit`: the reference the
 * differential test compares `buildTree` with. Only for text of modest nesting.
 */
export function buildTreeWithVisitor(text: string, errors: ParseError[]): LNode | undefined {
  let root: LNode | undefined;
  const stack: LNode[] = [];
  const attach = (n: LNode): void => {
    const top = stack[stack.length - 1];
    if (top === undefined) {
      root ??= n;
    } else if (top.items) {
      top.items.push(n);
    } else if (top.values) {
      const i = top.values.length - 1;
      if (i >= 0 && top.values[i] === undefined) top.values[i] = n;
    }
  };
  const literalType = (v: unknown): LNode['type'] =>
    v === null ? 'null' : typeof v === 'string' ? 'string' : typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'null';
  visit(
    text,
    {
      onObjectBegin: (offset) => {
        const n: LNode = { type: 'object', offset, length: 0, keys: [], values: [] };
        attach(n);
        stack.push(n);
      },
      onObjectProperty: (name, offset, length) => {
        const top = stack[stack.length - 1];
        if (top?.keys && top.values) {
          top.keys.push({ type: 'string', offset, length, value: name });
          top.values.push(undefined);
        }
      },
      onObjectEnd: (offset, length) => {
        const n = stack.pop();
        if (n) n.length = offset + length - n.offset;
      },
      onArrayBegin: (offset) => {
        const n: LNode = { type: 'array', offset, length: 0, items: [] };
        attach(n);
        stack.push(n);
      },
      onArrayEnd: (offset, length) => {
        const n = stack.pop();
        if (n) n.length = offset + length - n.offset;
      },
      onLiteralValue: (value: unknown, offset, length) => {
        attach({ type: literalType(value), offset, length, value });
      },
      onError: (error, offset, length) => {
        errors.push({ error, offset, length });
      },
    },
    { allowTrailingComma: true, disallowComments: false },
  );
  return root;
}

export function spanOf(n: LNode): Span {
  return { offset: n.offset, length: n.length };
}

/**
 * The range of character `index` of a string node's value when its source has no escapes
 * (then the source is the value between quotes: an escape always makes the source longer);
 * else the whole string.
 */
function charSpan(n: LNode, value: string, index: number): Span {
  return n.length === value.length + 2 && index >= 0 ? { offset: n.offset + 1 + index, length: 1 } : spanOf(n);
}

const NUL_MESSAGE = 'contains a NUL character (\\u0000), which cannot be passed to a program';

function q(s: string): string {
  const clipped = s.length > 60 ? `${s.slice(0, 57)}...` : s;
  return `'${clipped}'`;
}

export function describeNode(n: LNode): string {
  switch (n.type) {
    case 'object':
      return 'an object';
    case 'array':
      return 'an array';
    case 'string':
      return `the string ${JSON.stringify(typeof n.value === 'string' && n.value.length > 40 ? `${n.value.slice(0, 37)}...` : n.value)}`;
    case 'number':
      return `the number ${String(n.value)}`;
    case 'boolean':
      return String(n.value);
    case 'null':
      return 'null';
  }
}

export interface Prop {
  readonly name: string;
  readonly key: LNode;
  readonly value: LNode | undefined;
}

/** The whole `"key": value` of a property. */
export function propSpan(p: Prop): Span {
  const end = p.value ? p.value.offset + p.value.length : p.key.offset + p.key.length;
  return { offset: p.key.offset, length: end - p.key.offset };
}

/** The properties of one object, first occurrence of each name, in order. */
export class PropList {
  constructor(private readonly list: Prop[]) {}
  /** Linear: meant for the small objects of the format (a handful of known keys). */
  get(name: string): Prop | undefined {
    for (const p of this.list) if (p.name === name) return p;
    return undefined;
  }
  values(): readonly Prop[] {
    return this.list;
  }
  get size(): number {
    return this.list.length;
  }
}

/**
 * The properties of an object node in order, first occurrence of each name. Repeated names
 * are reported through `onDuplicate` (default: a schema error on the second key).
 */
export function objectProps(
  obj: LNode,
  sink: DiagnosticSink,
  where: string,
  onDuplicate?: (p: Prop, first: Prop) => void,
): PropList {
  const keys = obj.keys ?? [];
  const values = obj.values ?? [];
  const list: Prop[] = [];
  // Small objects: a linear scan finds repeats; big ones (the actions) use a map.
  const index = keys.length > 16 ? new Map<string, Prop>() : undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as LNode;
    const name = key.value as string;
    let first: Prop | undefined;
    if (index) first = index.get(name);
    else for (const q of list) if (q.name === name) { first = q; break; }
    const prop: Prop = { name, key, value: values[i] };
    if (first) {
      if (onDuplicate) onDuplicate(prop, first);
      else sink.error(`duplicate property ${q(prop.name)} in ${where} (the first one is used)`, spanOf(key));
      continue;
    }
    index?.set(name, prop);
    list.push(prop);
  }
  return new PropList(list);
}

const KNOWN_SETS = new Map<readonly string[], ReadonlySet<string>>();

function checkUnknownKeys(props: PropList, known: readonly string[], sink: DiagnosticSink, where: string): void {
  let set = KNOWN_SETS.get(known);
  if (!set) KNOWN_SETS.set(known, (set = new Set(known)));
  for (const p of props.values()) {
    if (set.has(p.name)) continue;
    const s = closest(p.name, known);
    const hint = s ? `; did you mean ${q(s)}?` : '';
    sink.warning(`unknown property ${q(p.name)} in ${where}${hint}`, spanOf(p.key), s ? { suggestion: s } : undefined);
  }
}

function isInt(n: LNode): boolean {
  return n.type === 'number' && Number.isSafeInteger(n.value);
}

/** Fields an action may set itself or inherit from `defaults`. */
interface Fields {
  command?: Command;
  commandSet: boolean;
  dependsOn?: StringRef[];
  cpus?: number;
  cpusSpan?: Span;
  resources?: Map<string, ResourceUse>;
  timeoutMs?: number;
  retries?: number;
  acceptFailedDependencies?: boolean;
  priority?: number;
  cwd?: string;
  env?: Record<string, string>;
  description?: string;
  slurm?: SlurmSettings;
  problemMatchers?: ProblemMatcher[];
  inputs?: StringRef[];
  outputs?: StringRef[];
  envInputs?: string[];
  /** SPEC §8 fields (limits.ts). */
  limits?: ActionLimitFields;
}

interface Env {
  readonly sink: DiagnosticSink;
  readonly resources: ReadonlyMap<string, ResourceDecl>;
  readonly graphCpus: number | 'auto';
  readonly usedResources: Set<string>;
}

/** Fields with every property present (one object shape for all actions). */
function newFields(): Fields {
  return {
    command: undefined,
    commandSet: false,
    dependsOn: undefined,
    cpus: undefined,
    cpusSpan: undefined,
    resources: undefined,
    timeoutMs: undefined,
    retries: undefined,
    acceptFailedDependencies: undefined,
    priority: undefined,
    cwd: undefined,
    env: undefined,
    description: undefined,
    slurm: undefined,
    problemMatchers: undefined,
    inputs: undefined,
    outputs: undefined,
    envInputs: undefined,
    limits: undefined,
  };
}

/**
 * For a small object (at most 16 keys): reports repeated property names as objectProps does
 * and returns the indices to skip (undefined when there are none), without building props.
 */
function smallObjectRepeats(keys: readonly LNode[], sink: DiagnosticSink, where: string): Uint8Array | undefined {
  let skip: Uint8Array | undefined;
  for (let i = 1; i < keys.length; i++) {
    const name = (keys[i] as LNode).value as string;
    for (let j = 0; j < i; j++) {
      if (skip?.[j] !== 1 && (keys[j] as LNode).value === name) {
        skip ??= new Uint8Array(keys.length);
        skip[i] = 1;
        sink.error(`duplicate property ${q(name)} in ${where} (the first one is used)`, spanOf(keys[i] as LNode));
        break;
      }
    }
  }
  return skip;
}

const ACTION_KEY_SET: ReadonlySet<string> = new Set(ACTION_KEYS);

function parseFields(obj: LNode, env: Env, where: string, isDefaults: boolean, ownerKey: Span, ownerName = ''): Fields {
  const { sink } = env;
  const f: Fields = newFields();
  const objKeys = obj.keys ?? [];
  const objValues = obj.values ?? [];
  let order: readonly Prop[];
  if (objKeys.length > 16) {
    const props = objectProps(obj, sink, where);
    checkUnknownKeys(props, ACTION_KEYS, sink, where); // command/dependsOn in defaults get their own error
    order = props.values();
  } else {
    // The same checks without building a property list (this runs for every action).
    const skip = smallObjectRepeats(objKeys, sink, where);
    for (let i = 0; i < objKeys.length; i++) {
      if (skip?.[i] === 1) continue;
      const key = objKeys[i] as LNode;
      const name = key.value as string;
      if (ACTION_KEY_SET.has(name)) continue;
      const s = closest(name, ACTION_KEYS);
      const hint = s ? `; did you mean ${q(s)}?` : '';
      sink.warning(`unknown property ${q(name)} in ${where}${hint}`, spanOf(key), s ? { suggestion: s } : undefined);
    }
    order = [];
    for (let i = 0; i < objKeys.length; i++) {
      if (skip?.[i] === 1) continue;
      const v = objValues[i];
      if (!v) continue;
      const key = objKeys[i] as LNode;
      parseField(f, key.value as string, key, v, env, where, isDefaults, ownerName);
    }
  }
  for (const p of order) {
    const v = p.value;
    if (!v) continue; // syntax error already reported
    parseField(f, p.name, p.key, v, env, where, isDefaults, ownerName);
  }
  if (!isDefaults && !f.commandSet) {
    sink.error(`${where} has no 'command'`, ownerKey);
  }
  return f;
}

/** One property of an action or of defaults (`v` present). */
function parseField(f: Fields, name: string, key: LNode, v: LNode, env: Env, where: string, isDefaults: boolean, ownerName: string): void {
  const { sink } = env;
  {
    switch (name) {
      case 'command': {
        if (isDefaults) {
          sink.error(`'command' cannot be set in defaults`, spanOf(key));
          break;
        }
        f.commandSet = true;
        if (v.type === 'string') {
          if ((v.value as string).trim() === '') sink.error(`${where}: 'command' is empty`, spanOf(v));
          else if ((v.value as string).includes('\u0000')) sink.error(`${where}: 'command' ${NUL_MESSAGE}`, spanOf(v));
          else f.command = { kind: 'shell', line: v.value as string };
        } else if (v.type === 'array') {
          const items = v.items ?? [];
          const argv: string[] = [];
          let ok = true;
          for (const it of items) {
            if (it.type !== 'string') {
              sink.error(`${where}: every element of a 'command' array must be a string, got ${describeNode(it)}`, spanOf(it));
              ok = false;
            } else if ((it.value as string).includes('\u0000')) {
              sink.error(`${where}: an element of 'command' ${NUL_MESSAGE}`, spanOf(it));
              ok = false;
            } else argv.push(it.value as string);
          }
          if (items.length === 0) {
            sink.error(`${where}: 'command' array is empty; give the program and its arguments`, spanOf(v));
            ok = false;
          } else if (ok && argv[0] === '') {
            sink.error(`${where}: the program (first element of 'command') is empty`, spanOf(items[0] as LNode));
            ok = false;
          }
          if (ok) f.command = { kind: 'argv', argv };
        } else {
          sink.error(`${where}: 'command' must be a string (run by the shell) or an array of strings (argv), got ${describeNode(v)}`, spanOf(v));
        }
        break;
      }
      case 'dependsOn': {
        if (isDefaults) {
          sink.error(`'dependsOn' cannot be set in defaults`, spanOf(key));
          break;
        }
        if (v.type !== 'array') {
          sink.error(`${where}: 'dependsOn' must be an array of action ids, got ${describeNode(v)}`, spanOf(v));
          break;
        }
        const items = v.items ?? [];
        // Exact size (trimmed when an entry is not a string).
        const refs: StringRef[] = new Array<StringRef>(items.length);
        let nRefs = 0;
        for (const it of items) {
          if (it.type !== 'string') {
            sink.error(`${where}: 'dependsOn' entries must be action ids (strings), got ${describeNode(it)}`, spanOf(it));
          } else refs[nRefs++] = { value: it.value as string, span: spanOf(it) };
        }
        if (nRefs < refs.length) refs.length = nRefs;
        f.dependsOn = refs;
        break;
      }
      case 'cpus': {
        if (!isInt(v) || (v.value as number) < 1) {
          sink.error(`${where}: 'cpus' must be an integer >= 1, got ${describeNode(v)}`, spanOf(v));
          break;
        }
        f.cpus = v.value as number;
        f.cpusSpan = spanOf(v);
        if (typeof env.graphCpus === 'number' && f.cpus > env.graphCpus) {
          sink.add(
            'over-capacity',
            'warning',
            `${where} needs ${f.cpus} CPU slots but the graph has only ${env.graphCpus}; it will run alone`,
            spanOf(v),
            [],
            isDefaults ? { resource: 'cpus' } : { action: ownerName, resource: 'cpus' },
          );
        }
        break;
      }
      case 'resources': {
        if (v.type !== 'object') {
          sink.error(`${where}: 'resources' must be an object mapping resource names to quantities, got ${describeNode(v)}`, spanOf(v));
          break;
        }
        const uses = new Map<string, ResourceUse>();
        for (const r of objectProps(v, sink, `the resources of ${where}`).values()) {
          env.usedResources.add(r.name);
          const decl = env.resources.get(r.name);
          if (!decl) {
            const s = closest(r.name, env.resources.keys());
            const declared = env.resources.size ? '' : ' (the graph declares no resources)';
            sink.add(
              'unknown-resource',
              'error',
              `${where} uses resource ${q(r.name)}, which is not declared in the top-level 'resources'${declared}${s ? `; did you mean ${q(s)}?` : ''}`,
              spanOf(r.key),
              [],
              { ...(isDefaults ? {} : { action: ownerName }), resource: r.name, ...(s ? { suggestion: s } : {}) },
            );
            continue;
          }
          const rv = r.value;
          if (!rv) continue;
          if (!isInt(rv) || (rv.value as number) < 0) {
            sink.error(`${where}: the quantity of resource ${q(r.name)} must be an integer >= 0, got ${describeNode(rv)}`, spanOf(rv));
            continue;
          }
          const amount = rv.value as number;
          if (amount > decl.capacity) {
            sink.add(
              'over-capacity',
              'warning',
              `${where} needs ${amount} of resource ${q(r.name)} but only ${decl.capacity} exists; it will run alone`,
              spanOf(r.key),
              [{ span: decl.keySpan, message: `resource ${q(r.name)} is declared here with ${decl.capacity}` }],
              isDefaults ? { resource: r.name } : { action: ownerName, resource: r.name },
            );
          }
          uses.set(r.name, { name: r.name, amount, keySpan: spanOf(r.key) });
        }
        f.resources = uses;
        break;
      }
      case 'timeout': {
        const d = parseDuration(v.type === 'string' || v.type === 'number' || v.type === 'boolean' ? v.value : v.type === 'null' ? null : v.type === 'array' ? [] : {});
        if (!d.ok) sink.error(`${where}: 'timeout': ${d.message}`, spanOf(v));
        else f.timeoutMs = d.ms;
        break;
      }
      case 'retries': {
        if (!isInt(v) || (v.value as number) < 0) sink.error(`${where}: 'retries' must be an integer >= 0, got ${describeNode(v)}`, spanOf(v));
        else f.retries = v.value as number;
        break;
      }
      case 'acceptFailedDependencies': {
        if (v.type !== 'boolean') sink.error(`${where}: 'acceptFailedDependencies' must be true or false, got ${describeNode(v)}`, spanOf(v));
        else f.acceptFailedDependencies = v.value as boolean;
        break;
      }
      case 'priority': {
        if (!isInt(v)) sink.error(`${where}: 'priority' must be an integer, got ${describeNode(v)}`, spanOf(v));
        else f.priority = v.value as number;
        break;
      }
      case 'cwd': {
        if (v.type !== 'string') sink.error(`${where}: 'cwd' must be a string (a folder path), got ${describeNode(v)}`, spanOf(v));
        else if ((v.value as string) === '') sink.error(`${where}: 'cwd' is empty; use "." for the graph file's folder`, spanOf(v));
        else if ((v.value as string).includes('\u0000')) sink.error(`${where}: 'cwd' contains a NUL character (\\u0000), which no path can`, spanOf(v));
        else f.cwd = v.value as string;
        break;
      }
      case 'env': {
        if (v.type !== 'object') {
          sink.error(`${where}: 'env' must be an object of strings, got ${describeNode(v)}`, spanOf(v));
          break;
        }
        // No prototype: a variable may be called "__proto__".
        const e: Record<string, string> = Object.create(null) as Record<string, string>;
        for (const ep of objectProps(v, sink, `the env of ${where}`).values()) {
          const ev = ep.value;
          if (!ev) continue;
          if (ev.type !== 'string') {
            sink.error(`${where}: env value of ${q(ep.name)} must be a string, got ${describeNode(ev)}`, spanOf(ev));
          } else if (ep.name === '') {
            sink.error(`${where}: env variable names cannot be empty`, spanOf(ep.key));
          } else if (ep.name.includes('=')) {
            // The environment is a list of NAME=value strings: the program would see another variable.
            const at = ep.name.indexOf('=');
            sink.error(
              `${where}: env variable name ${q(ep.name)} contains '='; the program would see a variable ${q(ep.name.slice(0, at))} instead`,
              charSpan(ep.key, ep.name, at),
            );
          } else if (ep.name.includes('\u0000')) {
            sink.error(`${where}: an env variable name contains a NUL character (\\u0000), which an environment cannot carry`, charSpan(ep.key, ep.name, ep.name.indexOf('\u0000')));
          } else if ((ev.value as string).includes('\u0000')) {
            sink.error(`${where}: env value of ${q(ep.name)} contains a NUL character (\\u0000), which an environment cannot carry`, charSpan(ev, ev.value as string, (ev.value as string).indexOf('\u0000')));
          } else e[ep.name] = ev.value as string;
        }
        f.env = e;
        break;
      }
      case 'description': {
        if (v.type !== 'string') sink.error(`${where}: 'description' must be a string, got ${describeNode(v)}`, spanOf(v));
        else f.description = v.value as string;
        break;
      }
      case 'slurm': {
        const st = parseSlurmSettings(v, sink, `'slurm' of ${where}`, false);
        if (st !== undefined) f.slurm = st;
        break;
      }
      case 'problemMatcher':
        f.problemMatchers = parseProblemMatchers(v, sink, where);
        break;
      case 'inputs':
      case 'outputs': {
        const refs = stringList(v, sink, where, name, 'globs');
        if (refs === undefined) break;
        if (name === 'inputs') f.inputs = refs;
        else f.outputs = refs;
        break;
      }
      case 'envInputs': {
        const refs = stringList(v, sink, where, name, 'environment variable names');
        if (refs === undefined) break;
        const names: string[] = [];
        for (const r of refs) {
          if (r.value === '' || r.value.includes('=') || r.value.includes('\0')) {
            sink.error(`${where}: ${q(r.value)} in 'envInputs' is not an environment variable name`, r.span);
          } else names.push(r.value);
        }
        f.envInputs = names;
        break;
      }
      default:
        if (LIMIT_ACTION_KEY_SET.has(name)) parseActionLimitField((f.limits ??= {}), name, v, sink, where);
        break;
    }
  }
}

/** An array of strings (`inputs`, `outputs`, `envInputs`): the strings with their spans, or undefined (reported) when not an array. */
function stringList(v: LNode, sink: DiagnosticSink, where: string, name: string, what: string): StringRef[] | undefined {
  if (v.type !== 'array') {
    sink.error(`${where}: '${name}' must be an array of strings (${what}), got ${describeNode(v)}`, spanOf(v));
    return undefined;
  }
  const refs: StringRef[] = [];
  for (const it of v.items ?? []) {
    if (it.type !== 'string') sink.error(`${where}: '${name}' entries must be strings (${what}), got ${describeNode(it)}`, spanOf(it));
    else refs.push({ value: it.value as string, span: spanOf(it) });
  }
  return refs;
}

/** `unmatchable-glob` warnings for the non-empty patterns of `inputs`/`outputs`, checked against `cwd`. */
function checkGlobs(f: Fields, cwd: string | undefined, sink: DiagnosticSink, where: string, ownerName: string): void {
  for (const [field, refs] of [['inputs', f.inputs], ['outputs', f.outputs]] as const) {
    for (const r of refs ?? []) {
      const why = unmatchableReason(r.value, cwd);
      if (why !== undefined) {
        sink.add('unmatchable-glob', 'warning', `${where}: ${field} pattern ${q(r.value)} can never match: ${why}`, r.span, [], ownerName ? { action: ownerName } : undefined);
      }
    }
  }
}

/** Defaults' list first, then the action's; undefined when neither declares one. */
function mergeLists(d: readonly StringRef[] | undefined, a: readonly StringRef[] | undefined): string[] | undefined {
  if (d === undefined && a === undefined) return undefined;
  return [...(d ?? []), ...(a ?? [])].map((r) => r.value);
}

const NO_RESOURCES: ResourceUse[] = [];

/** An action whose value is missing or not an object: nothing set (never mutated). */
const NO_FIELDS: Fields = Object.freeze(newFields()) as Fields;

/** The graph of a file with nothing usable in it (never mutated). */
export const EMPTY_GRAPH: Graph = {
  version: undefined,
  name: undefined,
  cpus: 'auto',
  keepGoing: false,
  resources: [],
  actions: [],
  byId: new Map(),
};

export function parseGraph(text: string): ParseResult {
  const sink = new DiagnosticSink();
  const usedResources = new Set<string>();
  const empty = (tree: LNode | undefined): ParseResult => ({ tree, graph: EMPTY_GRAPH, actions: [], diagnostics: sink.list, usedResources });

  const deep = findExcessiveNesting(text, MAX_NESTING);
  if (deep >= 0) {
    sink.error(`value nested too deeply (more than ${MAX_NESTING} levels); a graph file is only a few levels deep`, { offset: deep, length: 1 });
    return empty(undefined);
  }

  const errors: ParseError[] = [];
  let root: LNode | undefined;
  try {
    root = buildTree(text, errors);
  } catch (e: unknown) {
    sink.add('syntax', 'error', `could not parse the file: ${e instanceof Error ? e.message : String(e)}`, { offset: 0, length: 0 });
    return empty(undefined);
  }
  for (const e of errors) {
    // jsonc-parser can report a range past the end (e.g. an unterminated "/*"): clamp it.
    const offset = Math.max(0, Math.min(e.offset, text.length));
    const length = Math.max(0, Math.min(e.length, text.length - offset));
    sink.add('syntax', 'error', syntaxMessage(e), { offset, length });
  }
  if (!root) return empty(undefined);
  if (root.type !== 'object') {
    sink.error(`a graph file must contain one object with "version" and "actions", got ${describeNode(root)}`, spanOf(root));
    return empty(root);
  }

  const openBrace: Span = { offset: root.offset, length: 1 };
  const top = objectProps(root, sink, 'the graph');
  checkUnknownKeys(top, TOP_LEVEL_KEYS, sink, 'the graph');

  // version
  let version: number | undefined;
  const pv = top.get('version');
  if (!pv) sink.error(`missing required property "version" (use "version": 1)`, openBrace);
  else if (pv.value) {
    if (pv.value.type === 'number' && pv.value.value === 1) version = 1;
    else {
      if (pv.value.type === 'number') version = pv.value.value as number;
      sink.error(`unsupported "version" ${describeNode(pv.value)}: only version 1 exists`, spanOf(pv.value));
    }
  }

  const pschema = top.get('$schema');
  if (pschema?.value && pschema.value.type !== 'string') sink.error(`'$schema' must be a string, got ${describeNode(pschema.value)}`, spanOf(pschema.value));

  let name: string | undefined;
  const pname = top.get('name');
  if (pname?.value) {
    if (pname.value.type === 'string') name = pname.value.value as string;
    else sink.error(`'name' must be a string, got ${describeNode(pname.value)}`, spanOf(pname.value));
  }

  let cpus: number | 'auto' = 'auto';
  const pcpus = top.get('cpus');
  if (pcpus?.value) {
    const v = pcpus.value;
    if (v.type === 'string' && v.value === 'auto') cpus = 'auto';
    else if (isInt(v) && (v.value as number) >= 1) cpus = v.value as number;
    else sink.error(`'cpus' must be an integer >= 1 or "auto", got ${describeNode(v)}`, spanOf(v));
  }

  let keepGoing = false;
  const pkg = top.get('keepGoing');
  if (pkg?.value) {
    if (pkg.value.type === 'boolean') keepGoing = pkg.value.value as boolean;
    else sink.error(`'keepGoing' must be true or false, got ${describeNode(pkg.value)}`, spanOf(pkg.value));
  }

  const limits = parseTopLimits(top, sink);
  const groupNames = new Set(limits.groups.map((g) => g.name));

  // resources
  const resources: ResourceDecl[] = [];
  const resMap = new Map<string, ResourceDecl>();
  const pres = top.get('resources');
  if (pres?.value) {
    const v = pres.value;
    if (v.type !== 'object') sink.error(`'resources' must be an object mapping names to availability, got ${describeNode(v)}`, spanOf(v));
    else {
      for (const r of objectProps(v, sink, `'resources'`).values()) {
        const rv = r.value;
        if (!rv) continue;
        let capacity: number | undefined;
        if (rv.type === 'string' && rv.value === 'unlimited') capacity = Infinity;
        else if (isInt(rv) && (rv.value as number) >= 1) capacity = rv.value as number;
        if (r.name === '') {
          sink.error(`resource names cannot be empty`, spanOf(r.key));
          continue;
        }
        if (capacity === undefined) {
          sink.error(`resource ${q(r.name)}: availability must be an integer >= 1 or "unlimited", got ${describeNode(rv)}`, spanOf(rv));
          continue;
        }
        const decl: ResourceDecl = { name: r.name, capacity, keySpan: spanOf(r.key), span: propSpan(r) };
        resources.push(decl);
        resMap.set(r.name, decl);
      }
    }
  }

  const env: Env = { sink, resources: resMap, graphCpus: cpus, usedResources };

  // defaults
  let defaults: Fields = { commandSet: false };
  const pdef = top.get('defaults');
  if (pdef?.value) {
    if (pdef.value.type !== 'object') sink.error(`'defaults' must be an object, got ${describeNode(pdef.value)}`, spanOf(pdef.value));
    else {
      defaults = parseFields(pdef.value, env, 'defaults', true, spanOf(pdef.key));
      checkGlobs(defaults, defaults.cwd, sink, 'defaults', '');
    }
  }
  if (defaults.limits !== undefined) {
    checkActionLimits(defaults.limits, { retries: defaults.retries ?? 0, group: defaults.limits.group, memory: defaults.limits.memory }, limits, groupNames, sink, 'defaults', undefined);
  }
  const dl = defaults.limits;

  // actions (actions without own env/resources share one object: the model is read-only)
  const defaultEnv: Readonly<Record<string, string>> = Object.freeze({ ...defaults.env });
  const actions: MutableAction[] = [];
  const byId = new Map<string, ActionModel>();
  const pact = top.get('actions');
  if (!pact) sink.error(`missing required property "actions" (an object of action id -> action)`, openBrace);
  else if (pact.value) {
    const v = pact.value;
    if (v.type !== 'object') sink.error(`'actions' must be an object mapping action ids to actions, got ${describeNode(v)}`, spanOf(v));
    else if ((v.keys ?? []).length === 0) {
      sink.add('empty-graph', 'warning', `the graph has no actions: a run has nothing to do`, spanOf(v));
    } else {
      // objectProps without the property list: byId finds repeated ids (first one wins).
      const keys = v.keys ?? [];
      const values = v.values ?? [];
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as LNode;
        const value = values[i];
        const id = key.value as string;
        const first = byId.get(id);
        if (first) {
          sink.add(
            'duplicate-action',
            'error',
            `duplicate action ${q(id)}: an action with this id is already defined (the first one is used)`,
            spanOf(key),
            [{ span: { offset: first.keySpan.offset, length: first.keySpan.length }, message: `first definition of ${q(id)}` }],
            { action: id },
          );
          continue;
        }
        const keySpan = spanOf(key);
        const where = `action ${q(id)}`;
        if (!ACTION_ID_RE.test(id)) {
          sink.error(
            id === ''
              ? `action ids cannot be empty`
              : `action id ${q(id)} may only contain letters, digits and _ . : / -`,
            keySpan,
          );
        }
        let f: Fields = NO_FIELDS;
        if (value) {
          if (value.type !== 'object') {
            sink.error(`${where} must be an object with at least a "command", got ${describeNode(value)}`, spanOf(value));
          } else {
            f = parseFields(value, env, where, false, keySpan, id);
            checkGlobs(f, f.cwd ?? defaults.cwd, sink, where, id);
          }
        }
        let resources: ResourceUse[] = NO_RESOURCES;
        if (defaults.resources?.size || f.resources?.size) {
          const res = new Map<string, ResourceUse>(defaults.resources ?? []);
          for (const [k, u] of f.resources ?? []) res.set(k, u);
          resources = [...res.values()];
        }
        const actionEnv = f.env === undefined ? defaultEnv : defaults.env === undefined ? f.env : { ...defaults.env, ...f.env };
        const a: MutableAction = {
          id,
          index: actions.length,
          keySpan,
          span: { offset: key.offset, length: (value ? value.offset + value.length : key.offset + key.length) - key.offset },
          command: f.command,
          dependsOn: f.dependsOn ?? [],
          deps: [],
          cpus: f.cpus ?? defaults.cpus ?? 1,
          resources,
          timeoutMs: f.timeoutMs ?? defaults.timeoutMs,
          retries: f.retries ?? defaults.retries ?? 0,
          acceptFailedDependencies: f.acceptFailedDependencies ?? defaults.acceptFailedDependencies ?? false,
          priority: f.priority ?? defaults.priority ?? 0,
          cwd: f.cwd ?? defaults.cwd,
          env: actionEnv,
          description: f.description ?? defaults.description,
        };
        if (f.cpusSpan) a.cpusSpan = f.cpusSpan;
        const slurm = f.slurm ?? defaults.slurm;
        if (slurm !== undefined) a.slurm = slurm;
        const pm = f.problemMatchers ?? defaults.problemMatchers;
        if (pm && pm.length > 0) a.problemMatchers = pm;
        const inputs = mergeLists(defaults.inputs, f.inputs);
        if (inputs !== undefined) a.inputs = inputs;
        const outputs = mergeLists(defaults.outputs, f.outputs);
        if (outputs !== undefined) a.outputs = outputs;
        if (defaults.envInputs !== undefined || f.envInputs !== undefined) a.envInputs = [...(defaults.envInputs ?? []), ...(f.envInputs ?? [])];
        if (f.limits !== undefined || dl !== undefined) {
          const fl = f.limits;
          const group = fl?.group ?? dl?.group;
          const memory = fl?.memory ?? dl?.memory;
          const memoryLimit = fl?.memoryLimit ?? dl?.memoryLimit;
          const retryOn = fl?.retryOn ?? dl?.retryOn;
          const retryDelayMs = fl?.retryDelayMs ?? dl?.retryDelayMs;
          const al: ActionLimits = {
            ...(memory !== undefined ? { memory } : {}),
            ...(memoryLimit !== undefined ? { memoryLimit } : {}),
            ...(group !== undefined && groupNames.has(group.value) ? { group: group.value } : {}),
            ...(retryOn !== undefined ? { retryOn } : {}),
            ...(retryDelayMs !== undefined ? { retryDelayMs } : {}),
          };
          a.limits = al;
          if (fl !== undefined) checkActionLimits(fl, { retries: a.retries, group, memory }, limits, groupNames, sink, where, id);
        }
        actions.push(a);
        byId.set(id, a);
      }
    }
  }

  let executor: ExecutorSettings | undefined;
  const pex = top.get('executor');
  if (pex?.value) executor = parseSlurmSettings(pex.value, sink, `'executor'`, true);
  // SPEC §10 hooks (hooks.ts)
  const hooks = parseHooks(top, defaultEnv, sink);
  const graph: Graph = { version, name, cpus, keepGoing, resources, actions, byId, limits, ...(executor !== undefined ? { executor } : {}), ...(hooks !== undefined ? { hooks } : {}) };
  return { tree: root, graph, actions, diagnostics: sink.list, usedResources };
}
