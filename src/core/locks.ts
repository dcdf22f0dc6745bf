/**
 * Shared and exclusive locks (SPEC §10, pexen's uses/claims) as written in the file: the
 * top-level declaration `"locks": ["db"]` and an action's `"locks": { "db": "shared" }`.
 * parse.ts calls in here for these keys; the plan copies the uses into `JobNeeds.locks` and
 * the scheduler admits them (run/lockTable.ts). Pure: no node:*.
 */
import { closest } from './suggest';
import { describeNode, objectProps, spanOf, type DiagnosticSink, type LNode } from './parse';
import type { Span } from './text';

export type LockMode = 'shared' | 'exclusive';
export const LOCK_MODES: readonly LockMode[] = ['shared', 'exclusive'];

/** A declared lock name (an entry of the top-level `locks` array). */
export interface LockDecl {
  readonly name: string;
  /** The string token (with quotes). */
  readonly span: Span;
}

/** A lock an action holds while it runs. */
export interface LockUse {
  readonly name: string;
  readonly mode: LockMode;
  /** The key token in the action's (or defaults') `locks` object. */
  readonly keySpan: Span;
}

function q(s: string): string {
  return `'${s.length > 60 ? `${s.slice(0, 57)}...` : s}'`;
}

/**
 * The top-level `locks`: an array of distinct, non-empty names. A repeat is a `duplicate-lock`
 * warning on the repeated string (the first one counts). Undefined when not written.
 */
export function parseLockDecls(v: LNode, sink: DiagnosticSink): LockDecl[] {
  const out: LockDecl[] = [];
  if (v.type !== 'array') {
    sink.error(`'locks' must be an array of lock names, e.g. ["db"], got ${describeNode(v)}`, spanOf(v));
    return out;
  }
  const first = new Map<string, Span>();
  for (const it of v.items ?? []) {
    if (it.type !== 'string') {
      sink.error(`'locks' entries must be lock names (strings), got ${describeNode(it)}`, spanOf(it));
      continue;
    }
    const name = it.value as string;
    const span = spanOf(it);
    if (name === '') {
      sink.error(`lock names cannot be empty`, span);
      continue;
    }
    const seen = first.get(name);
    if (seen !== undefined) {
      sink.add('duplicate-lock', 'warning', `lock ${q(name)} is declared more than once`, span, [{ span: seen, message: `first declared here` }], { lock: name });
      continue;
    }
    first.set(name, span);
    out.push({ name, span });
  }
  return out;
}

/**
 * An action's (or defaults') `locks` object: name -> "shared" | "exclusive". An undeclared
 * name is an `unknown-lock` error on the key (data: lock, suggestion, action); a bad mode a
 * `schema` error on the value. `used` collects every name mentioned (for `unused-lock`).
 */
export function parseLockUses(
  v: LNode,
  sink: DiagnosticSink,
  where: string,
  declared: ReadonlyMap<string, LockDecl>,
  used: Set<string>,
  ownerName: string | undefined,
): Map<string, LockUse> | undefined {
  if (v.type !== 'object') {
    sink.error(`${where}: 'locks' must be an object mapping lock names to "shared" or "exclusive", got ${describeNode(v)}`, spanOf(v));
    return undefined;
  }
  const uses = new Map<string, LockUse>();
  for (const p of objectProps(v, sink, `the locks of ${where}`).values()) {
    used.add(p.name);
    const keySpan = spanOf(p.key);
    let known = true;
    if (!declared.has(p.name)) {
      known = false;
      const s = closest(p.name, declared.keys());
      const none = declared.size === 0 ? ' (the graph declares no locks)' : '';
      sink.add(
        'unknown-lock',
        'error',
        `${where} takes lock ${q(p.name)}, which is not declared in the top-level 'locks'${none}${s ? `; did you mean ${q(s)}?` : ''}`,
        keySpan,
        [],
        { ...(ownerName !== undefined ? { action: ownerName } : {}), lock: p.name, ...(s ? { suggestion: s } : {}) },
      );
    }
    const mv = p.value;
    if (!mv) continue;
    if (mv.type !== 'string' || (mv.value !== 'shared' && mv.value !== 'exclusive')) {
      const s = mv.type === 'string' ? closest(mv.value as string, LOCK_MODES) : undefined;
      sink.error(
        `${where}: the mode of lock ${q(p.name)} must be "shared" or "exclusive", got ${describeNode(mv)}${s ? `; did you mean '${s}'?` : ''}`,
        spanOf(mv),
        s ? { suggestion: s } : undefined,
      );
      continue;
    }
    if (known) uses.set(p.name, { name: p.name, mode: mv.value, keySpan });
  }
  return uses;
}

/** Defaults' uses, overridden per name by the action's. */
export function mergeLockUses(d: ReadonlyMap<string, LockUse> | undefined, a: ReadonlyMap<string, LockUse> | undefined): LockUse[] | undefined {
  if (d === undefined && a === undefined) return undefined;
  const m = new Map<string, LockUse>(d ?? []);
  for (const [k, u] of a ?? []) m.set(k, u);
  return [...m.values()];
}

/** One line for hover and docs: `db (exclusive)`, `cache (shared)`. */
export function formatLockUse(u: { readonly name: string; readonly mode: LockMode }): string {
  return `${u.name} (${u.mode})`;
}
