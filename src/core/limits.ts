/**
 * Real limits (SPEC §8): the fields of the format that bound memory, CPU, load and time, as
 * written in the file (with spans for diagnostics). parse/fields.ts calls in here for these keys; the
 * plan (run/plan.ts) turns them into Job needs and limits. Pure: no node:*.
 */
import { formatBytes } from './bytes';
import { parseDuration } from './duration';

export { formatBytes };
import type { StringRef } from './model';
import { objectProps, type PropList } from './parse/props';
import type { DiagnosticSink } from './parse/sink';
import { describeNode, spanOf, type LNode } from './parse/tree';
import { closest } from './suggest';
import type { Span } from './text';

/** Top-level keys of §8 (merged into TOP_LEVEL_KEYS). */
export const LIMIT_TOP_KEYS = ['memory', 'timeout', 'maxLoad', 'minFreeMemory', 'cpuAffinity', 'groups'] as const;
/** Action (and defaults) keys of §8 (merged into ACTION_KEYS). */
export const LIMIT_ACTION_KEYS = ['memory', 'memoryLimit', 'group', 'retryOn', 'retryDelay'] as const;
export const GROUP_KEYS = ['timeout', 'description'] as const;

export type RetryKind = 'failure' | 'timeout' | 'memory';
export const RETRY_KINDS: readonly RetryKind[] = ['failure', 'timeout', 'memory'];

/** Below this no process can start: a `memoryLimit` smaller than it is an error. */
export const MIN_MEMORY_LIMIT = 1024 * 1024;

export interface GroupDecl {
  readonly name: string;
  readonly timeoutMs: number | undefined;
  readonly description: string | undefined;
  readonly keySpan: Span;
}

export interface GraphLimits {
  /** Admission capacity in bytes, 'auto' (total RAM − 10 %), or undefined (memory is not admitted). */
  readonly memory: number | 'auto' | undefined;
  readonly memorySpan?: Span;
  /** The whole run, ms. */
  readonly timeoutMs: number | undefined;
  /** Start nothing new while the 1-minute load average is >= this. */
  readonly maxLoad: number | undefined;
  /** Start nothing new while free (available) memory is below this, bytes. */
  readonly minFreeMemory: number | undefined;
  readonly cpuAffinity: boolean;
  readonly groups: readonly GroupDecl[];
}

export const NO_LIMITS: GraphLimits = Object.freeze({
  memory: undefined,
  timeoutMs: undefined,
  maxLoad: undefined,
  minFreeMemory: undefined,
  cpuAffinity: false,
  groups: Object.freeze([]) as readonly GroupDecl[],
});

/** The §8 fields of one action or of `defaults`, as written. */
export interface ActionLimitFields {
  memory?: number;
  memorySpan?: Span;
  memoryLimit?: number;
  group?: StringRef;
  retryOn?: RetryKind[];
  retryDelayMs?: number;
  retryDelaySpan?: Span;
}

export type BytesResult = { readonly ok: true; readonly bytes: number } | { readonly ok: false; readonly message: string };

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
const BYTES_RE = /^(\d+(?:\.\d+)?)(?:([kmgt])(?:i?b)?|b)?$/i;

/**
 * A memory size: a number of bytes, or a string `<number><unit>` with unit K, M, G or T
 * (powers of 1024; "Ki"/"KiB"/"KB" forms accepted, any case), no space: "512M", "1.5G", "16G".
 */
export function parseBytes(v: unknown): BytesResult {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) return { ok: false, message: `a memory size must be a number of bytes >= 0, got ${v}` };
    return { ok: true, bytes: Math.round(v) };
  }
  if (typeof v !== 'string') return { ok: false, message: `a memory size must be a string like "512M" or "16G", or a number of bytes` };
  const s = v.length > 40 ? `${v.slice(0, 37)}...` : v;
  if (/^\s*-/.test(v)) return { ok: false, message: `a memory size cannot be negative, got "${s}"` };
  if (/^\d+(\.\d+)?\s+\S/.test(v)) return { ok: false, message: `invalid memory size "${s}": no space between the number and the unit; use e.g. "${v.replace(/\s+/g, '').replace(/b$/i, '')}"` };
  const m = v.length <= 40 ? BYTES_RE.exec(v) : null;
  if (!m) return { ok: false, message: `invalid memory size "${s}": use e.g. "512M", "1.5G", "16G" (K, M, G, T: powers of 1024) or a number of bytes` };
  const bytes = Math.round(Number(m[1]) * (UNITS[(m[2] ?? '').toLowerCase()] ?? 1));
  if (!Number.isFinite(bytes)) return { ok: false, message: `memory size "${s}" is too large` };
  return { ok: true, bytes };
}

function q(s: string): string {
  return `'${s}'`;
}

function literal(v: LNode): unknown {
  return v.type === 'string' || v.type === 'number' || v.type === 'boolean' ? v.value : v.type === 'null' ? null : v.type === 'array' ? [] : {};
}

/** The §8 top-level fields. Every mistake is a diagnostic on the value. */
export function parseTopLimits(top: PropList, sink: DiagnosticSink): GraphLimits {
  let memory: number | 'auto' | undefined;
  let memorySpan: Span | undefined;
  const pm = top.get('memory')?.value;
  if (pm) {
    if (pm.type === 'string' && pm.value === 'auto') memory = 'auto';
    else {
      const b = parseBytes(literal(pm));
      if (!b.ok) sink.error(`'memory': ${b.message}, or "auto" (total RAM minus 10%)`, spanOf(pm));
      else if (b.bytes < MIN_MEMORY_LIMIT) sink.error(`'memory' capacity ${formatBytes(b.bytes)} is smaller than any process needs (at least 1M)`, spanOf(pm));
      else memory = b.bytes;
    }
    if (memory !== undefined) memorySpan = spanOf(pm);
  }
  let timeoutMs: number | undefined;
  const pt = top.get('timeout')?.value;
  if (pt) {
    const d = parseDuration(literal(pt));
    if (!d.ok) sink.error(`'timeout' (the whole run): ${d.message}`, spanOf(pt));
    else timeoutMs = d.ms;
  }
  let maxLoad: number | undefined;
  const pl = top.get('maxLoad')?.value;
  if (pl) {
    if (pl.type !== 'number' || !((pl.value as number) > 0)) sink.error(`'maxLoad' must be a number > 0 (a 1-minute load average), got ${describeNode(pl)}`, spanOf(pl));
    else maxLoad = pl.value as number;
  }
  let minFreeMemory: number | undefined;
  const pf = top.get('minFreeMemory')?.value;
  if (pf) {
    const b = parseBytes(literal(pf));
    if (!b.ok) sink.error(`'minFreeMemory': ${b.message}`, spanOf(pf));
    else minFreeMemory = b.bytes;
  }
  let cpuAffinity = false;
  const pa = top.get('cpuAffinity')?.value;
  if (pa) {
    if (pa.type !== 'boolean') sink.error(`'cpuAffinity' must be true or false, got ${describeNode(pa)}`, spanOf(pa));
    else cpuAffinity = pa.value as boolean;
  }
  const groups: GroupDecl[] = [];
  const pg = top.get('groups')?.value;
  if (pg) {
    if (pg.type !== 'object') sink.error(`'groups' must be an object mapping group names to { "timeout": …, "description": … }, got ${describeNode(pg)}`, spanOf(pg));
    else {
      for (const g of objectProps(pg, sink, `'groups'`).values()) {
        const gv = g.value;
        if (!gv) continue;
        if (g.name === '') {
          sink.error(`group names cannot be empty`, spanOf(g.key));
          continue;
        }
        let gTimeout: number | undefined;
        let description: string | undefined;
        if (gv.type !== 'object') {
          sink.error(`group ${q(g.name)} must be an object like { "timeout": "10m" }, got ${describeNode(gv)}`, spanOf(gv));
        } else {
          for (const p of objectProps(gv, sink, `group ${q(g.name)}`).values()) {
            const pv = p.value;
            if (!pv) continue;
            if (p.name === 'timeout') {
              const d = parseDuration(literal(pv));
              if (!d.ok) sink.error(`group ${q(g.name)}: 'timeout': ${d.message}`, spanOf(pv));
              else gTimeout = d.ms;
            } else if (p.name === 'description') {
              if (pv.type !== 'string') sink.error(`group ${q(g.name)}: 'description' must be a string, got ${describeNode(pv)}`, spanOf(pv));
              else description = pv.value as string;
            } else {
              const s = closest(p.name, GROUP_KEYS);
              sink.warning(`unknown property ${q(p.name)} in group ${q(g.name)}${s ? `; did you mean ${q(s)}?` : ''}`, spanOf(p.key), s ? { suggestion: s } : undefined);
            }
          }
        }
        groups.push({ name: g.name, timeoutMs: gTimeout, description, keySpan: spanOf(g.key) });
      }
    }
  }
  return { memory, ...(memorySpan ? { memorySpan } : {}), timeoutMs, maxLoad, minFreeMemory, cpuAffinity, groups };
}

/** One §8 property of an action or of defaults; returns false when `name` is not one. */
export function parseActionLimitField(l: ActionLimitFields, name: string, v: LNode, sink: DiagnosticSink, where: string): boolean {
  switch (name) {
    case 'memory': {
      const b = parseBytes(literal(v));
      if (!b.ok) sink.error(`${where}: 'memory': ${b.message}`, spanOf(v));
      else {
        l.memory = b.bytes;
        l.memorySpan = spanOf(v);
      }
      return true;
    }
    case 'memoryLimit': {
      const b = parseBytes(literal(v));
      if (!b.ok) sink.error(`${where}: 'memoryLimit': ${b.message}`, spanOf(v));
      else if (b.bytes < MIN_MEMORY_LIMIT) sink.error(`${where}: 'memoryLimit' ${formatBytes(b.bytes)} is smaller than any process needs to start (at least 1M)`, spanOf(v));
      else l.memoryLimit = b.bytes;
      return true;
    }
    case 'group': {
      if (v.type !== 'string' || v.value === '') sink.error(`${where}: 'group' must be the name of a group declared in the top-level 'groups', got ${describeNode(v)}`, spanOf(v));
      else l.group = { value: v.value as string, span: spanOf(v) };
      return true;
    }
    case 'retryOn': {
      if (v.type !== 'array') {
        sink.error(`${where}: 'retryOn' must be an array of "failure", "timeout", "memory", got ${describeNode(v)}`, spanOf(v));
        return true;
      }
      const kinds: RetryKind[] = [];
      for (const it of v.items ?? []) {
        if (it.type === 'string' && (RETRY_KINDS as readonly string[]).includes(it.value as string)) {
          if (!kinds.includes(it.value as RetryKind)) kinds.push(it.value as RetryKind);
        } else {
          const s = it.type === 'string' ? closest(it.value as string, RETRY_KINDS) : undefined;
          sink.error(`${where}: 'retryOn' entries must be "failure", "timeout" or "memory", got ${describeNode(it)}${s ? `; did you mean ${q(s)}?` : ''}`, spanOf(it));
        }
      }
      l.retryOn = kinds;
      return true;
    }
    case 'retryDelay': {
      const d = parseDuration(literal(v));
      if (!d.ok) sink.error(`${where}: 'retryDelay': ${d.message}`, spanOf(v));
      else {
        l.retryDelayMs = d.ms;
        l.retryDelaySpan = spanOf(v);
      }
      return true;
    }
    default:
      return false;
  }
}

/** Checks across fields once an action is complete (its own fields `own`, effective values after defaults). */
export function checkActionLimits(
  own: ActionLimitFields | undefined,
  effective: { readonly retries: number; readonly group: StringRef | undefined; readonly memory: number | undefined },
  limits: GraphLimits,
  groupNames: ReadonlySet<string>,
  sink: DiagnosticSink,
  where: string,
  actionId: string | undefined,
): void {
  const g = own?.group;
  if (g !== undefined && !groupNames.has(g.value)) {
    const s = closest(g.value, groupNames);
    const none = groupNames.size === 0 ? ' (the graph declares no groups)' : '';
    sink.add(
      'unknown-group',
      'error',
      `${where} is in group ${q(g.value)}, which is not declared in the top-level 'groups'${none}${s ? `; did you mean ${q(s)}?` : ''}`,
      g.span,
      [],
      { ...(actionId !== undefined ? { action: actionId } : {}), group: g.value, ...(s ? { suggestion: s } : {}) },
    );
  }
  if (own?.retryDelaySpan !== undefined && effective.retries === 0 && actionId !== undefined) {
    sink.warning(`${where}: 'retryDelay' has no effect without 'retries' (the action is attempted once)`, own.retryDelaySpan);
  }
  const cap = limits.memory;
  if (own?.memorySpan !== undefined && typeof cap === 'number' && own.memory !== undefined && own.memory > cap) {
    sink.add(
      'over-capacity',
      'warning',
      `${where} needs ${formatBytes(own.memory)} of memory but the graph's 'memory' capacity is ${formatBytes(cap)}; it will run alone`,
      own.memorySpan,
      [],
      { ...(actionId !== undefined ? { action: actionId } : {}), resource: 'memory' },
    );
  }
}
