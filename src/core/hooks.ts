/**
 * Hooks (SPEC §10, docs/format.md "Hooks"): shell commands the runner runs when the run starts,
 * when an action that ran finishes, and when the run has finished (after report.json is written).
 * As written in the file (with spans for diagnostics); the runner's src/runner/hooks.ts runs them.
 * Pure: no node:*.
 */
import { parseDuration, formatDuration } from './duration';
import type { HookName } from './run/events';
import { objectProps, type PropList } from './parse/props';
import type { DiagnosticSink } from './parse/sink';
import { describeNode, spanOf, type LNode } from './parse/tree';
import { closest } from './suggest';
import type { Span } from './text';

export type { HookName };

/** The hooks a graph may declare, in the order they can run. */
export const HOOK_NAMES: readonly HookName[] = ['onRunStarted', 'onActionFinished', 'onRunFinished'];
/** Top-level keys of §10 hooks (merged into TOP_LEVEL_KEYS). */
export const HOOK_TOP_KEYS = ['hooks', 'hookTimeout'] as const;

/** A hook still running after this long is killed (its whole process tree): `hookTimeout`'s default. */
export const DEFAULT_HOOK_TIMEOUT_MS = 30_000;
/** At most this many hooks run at once; the rest wait in order. */
export const MAX_CONCURRENT_HOOKS = 2;

export interface HookCommand {
  /** A shell command line (`sh -c` on POSIX, cmd.exe on Windows). */
  readonly command: string;
  /** The command's string token. */
  readonly span: Span;
}

export interface GraphHooks {
  readonly commands: Readonly<Partial<Record<HookName, HookCommand>>>;
  /** Each hook is killed after this long (`hookTimeout`, default DEFAULT_HOOK_TIMEOUT_MS). */
  readonly timeoutMs: number;
  /** The graph's `defaults.env`: hooks get it over the runner's environment, as actions do. */
  readonly env: Readonly<Record<string, string>>;
}

function q(s: string): string {
  return `'${s.length > 60 ? `${s.slice(0, 57)}...` : s}'`;
}

function literal(v: LNode): unknown {
  return v.type === 'string' || v.type === 'number' || v.type === 'boolean' ? v.value : v.type === 'null' ? null : v.type === 'array' ? [] : {};
}

/**
 * The top-level `hooks` and `hookTimeout`. Every mistake is a diagnostic on the key or value:
 * an unknown hook name (a warning with "did you mean", like any unknown property), a command
 * that is not a string (error), an empty one (warning: nothing runs), a bad `hookTimeout` (error),
 * `hookTimeout` without hooks (warning). undefined when the file declares no hook that can run.
 */
export function parseHooks(top: PropList, defaultEnv: Readonly<Record<string, string>>, sink: DiagnosticSink): GraphHooks | undefined {
  const commands: Partial<Record<HookName, HookCommand>> = {};
  let any = false;
  const ph = top.get('hooks');
  if (ph?.value) {
    const hv = ph.value;
    if (hv.type !== 'object') {
      sink.error(`'hooks' must be an object mapping ${HOOK_NAMES.map((n) => `"${n}"`).join(', ')} to shell commands, got ${describeNode(hv)}`, spanOf(hv));
    } else {
      for (const p of objectProps(hv, sink, `'hooks'`).values()) {
        const v = p.value;
        if (!v) continue;
        if (!(HOOK_NAMES as readonly string[]).includes(p.name)) {
          const s = closest(p.name, HOOK_NAMES);
          sink.warning(
            `unknown hook ${q(p.name)} in 'hooks' (it never runs); hooks are ${HOOK_NAMES.map((n) => `'${n}'`).join(', ')}${s ? `; did you mean ${q(s)}?` : ''}`,
            spanOf(p.key),
            s ? { suggestion: s } : undefined,
          );
          continue;
        }
        const name = p.name as HookName;
        if (v.type !== 'string') {
          const arr = v.type === 'array' ? ' (one command line, run by the shell; not an argv array)' : '';
          sink.error(`hook ${q(name)} must be a string: a shell command${arr}, got ${describeNode(v)}`, spanOf(v));
          continue;
        }
        const command = v.value as string;
        if (command.trim() === '') {
          sink.warning(`hook ${q(name)} is empty: nothing runs`, spanOf(v));
          continue;
        }
        commands[name] = { command, span: spanOf(v) };
        any = true;
      }
    }
  }
  let timeoutMs = DEFAULT_HOOK_TIMEOUT_MS;
  const pt = top.get('hookTimeout');
  if (pt?.value) {
    const d = parseDuration(literal(pt.value));
    if (!d.ok) sink.error(`'hookTimeout': ${d.message}`, spanOf(pt.value));
    else {
      timeoutMs = d.ms;
      if (!ph) sink.warning(`'hookTimeout' (${formatDuration(d.ms)}) has no effect: the graph declares no 'hooks'`, spanOf(pt.key));
    }
  }
  return any ? { commands, timeoutMs, env: defaultEnv } : undefined;
}
