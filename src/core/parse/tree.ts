/**
 * The light syntax tree (LNode) and its fast builder over jsonc-parser's scanner, plus the
 * small helpers every parser reads nodes with (spans, descriptions).
 */
import { createScanner, type ParseError, type ParseErrorCode } from 'jsonc-parser';
import type { Span } from '../text';
import { ACTION_KEYS, TOP_LEVEL_KEYS } from './keys';

/** Deeper nesting than this is never a valid graph; refuse it before jsonc-parser recurses. */
export const MAX_NESTING = 256;

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
 * `buildTreeWithVisitor` in test/unit/core/visitor-tree.ts).
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


export function spanOf(n: LNode): Span {
  return { offset: n.offset, length: n.length };
}

/**
 * The range of character `index` of a string node's value when its source has no escapes
 * (then the source is the value between quotes: an escape always makes the source longer);
 * else the whole string.
 */
export function charSpan(n: LNode, value: string, index: number): Span {
  return n.length === value.length + 2 && index >= 0 ? { offset: n.offset + 1 + index, length: 1 } : spanOf(n);
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


export function isInt(n: LNode): boolean {
  return n.type === 'number' && Number.isSafeInteger(n.value);
}

