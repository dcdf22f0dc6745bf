import type { DiagnosticSink } from './parse/sink';
import type { LNode } from './parse/tree';
import { objectProps } from './parse/props';
import { describeNode, spanOf } from './parse/tree';

/**
 * The file's `"executor": { "type": "slurm", "partition": …, "account": …, "sbatchArgs": […] }`
 * and an action's own `"slurm": { "partition", "account", "sbatchArgs" }` (SPEC §9). Pure.
 */

export interface SlurmSettings {
  readonly partition?: string;
  readonly account?: string;
  readonly sbatchArgs?: readonly string[];
}

export interface ExecutorSettings extends SlurmSettings {
  readonly type: 'local' | 'slurm';
}

/** sbatch options the runner sets itself (SPEC §9 mapping); in sbatchArgs they would break the run's bookkeeping. */
const OWNED: ReadonlyMap<string, string> = new Map([
  ['-J', 'the job name is the run id'],
  ['--job-name', 'the job name is the run id'],
  ['-o', 'output goes to the run\'s logs/ folder'],
  ['--output', 'output goes to the run\'s logs/ folder'],
  ['-e', 'output goes to the run\'s logs/ folder'],
  ['--error', 'output goes to the run\'s logs/ folder'],
  ['-D', "the working directory is the action's cwd"],
  ['--chdir', "the working directory is the action's cwd"],
  ['--export', "the environment is the action's env"],
  ['-d', 'dependencies come from dependsOn'],
  ['--dependency', 'dependencies come from dependsOn'],
  ['--comment', 'the comment is the action id'],
  ['--parsable', 'set by the runner'],
  ['--wrap', 'the command is the action\'s command'],
  ['-c', "use the action's 'cpus'"],
  ['--cpus-per-task', "use the action's 'cpus'"],
  ['-t', "use the action's 'timeout'"],
  ['--time', "use the action's 'timeout'"],
  ['-L', "use a resource the cluster declares as a license"],
  ['--licenses', "use a resource the cluster declares as a license"],
]);

const SLURM_KEYS = ['partition', 'account', 'sbatchArgs'] as const;
const EXECUTOR_KEYS = ['type', ...SLURM_KEYS] as const;

/** Parses `executor` (top level, `withType`) or an action's `slurm`; diagnostics go to `sink`. */
export function parseSlurmSettings(v: LNode, sink: DiagnosticSink, where: string, withType: true): ExecutorSettings | undefined;
export function parseSlurmSettings(v: LNode, sink: DiagnosticSink, where: string, withType: false): SlurmSettings | undefined;
export function parseSlurmSettings(v: LNode, sink: DiagnosticSink, where: string, withType: boolean): ExecutorSettings | SlurmSettings | undefined {
  if (withType && v.type === 'string') {
    // "executor": "slurm" as a shorthand
    const t = v.value as string;
    if (t === 'local' || t === 'slurm') return { type: t };
    sink.error(`${where} must be "local" or "slurm" (or an object with "type"), got '${t}'`, spanOf(v));
    return undefined;
  }
  if (v.type !== 'object') {
    sink.error(`${where} must be an object${withType ? ' such as { "type": "slurm" }' : ' such as { "partition": "short" }'}, got ${describeNode(v)}`, spanOf(v));
    return undefined;
  }
  const out: { type?: 'local' | 'slurm'; partition?: string; account?: string; sbatchArgs?: string[] } = {};
  const allowed: readonly string[] = withType ? EXECUTOR_KEYS : SLURM_KEYS;
  let typeWritten = false;
  for (const p of objectProps(v, sink, where).values()) {
    const pv = p.value;
    if (p.name === 'type') typeWritten = true;
    if (!allowed.includes(p.name)) {
      sink.warning(`unknown property '${p.name}' in ${where} (known: ${allowed.join(', ')})`, spanOf(p.key));
      continue;
    }
    if (!pv) continue;
    switch (p.name) {
      case 'type':
        if (pv.type === 'string' && (pv.value === 'local' || pv.value === 'slurm')) out.type = pv.value;
        else sink.error(`${where}: 'type' must be "local" or "slurm", got ${describeNode(pv)}`, spanOf(pv));
        break;
      case 'partition':
      case 'account':
        if (pv.type === 'string' && /^[^\s,]+$/.test(pv.value as string)) out[p.name] = pv.value as string;
        else sink.error(`${where}: '${p.name}' must be a non-empty name without spaces or commas, got ${describeNode(pv)}`, spanOf(pv));
        break;
      case 'sbatchArgs': {
        if (pv.type !== 'array') {
          sink.error(`${where}: 'sbatchArgs' must be an array of strings such as ["--qos=short"], got ${describeNode(pv)}`, spanOf(pv));
          break;
        }
        const args: string[] = [];
        for (const item of pv.items ?? []) {
          if (item.type !== 'string') {
            sink.error(`${where}: every item of 'sbatchArgs' must be a string, got ${describeNode(item)}`, spanOf(item));
            continue;
          }
          const s = item.value as string;
          if (!s.startsWith('-')) {
            sink.error(`${where}: sbatchArgs item '${s}' is not an option (write "--name=value" as one item)`, spanOf(item));
            continue;
          }
          const name = s.includes('=') ? s.slice(0, s.indexOf('=')) : /^-[A-Za-z]/.test(s) && !s.startsWith('--') ? s.slice(0, 2) : s;
          const why = OWNED.get(name);
          if (why !== undefined) {
            sink.error(`${where}: sbatchArgs cannot set '${name}': ${why} (set by the runner)`, spanOf(item));
            continue;
          }
          args.push(s);
        }
        out.sbatchArgs = args;
        break;
      }
      default:
        break;
    }
  }
  if (withType) {
    if (out.type === undefined) {
      if (!typeWritten) sink.error(`${where} needs "type": "slurm" or "local"`, spanOf(v));
      return undefined;
    }
    return out as ExecutorSettings;
  }
  return out;
}
