/** Finding and reading graph files for CLI commands (Node only). */
import { existsSync, promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';
import { kindOfFile, readRegularFile, textOf } from '../runner/safeRead';

export const GRAPH_SUFFIX = '.actiontree.jsonc';

export type ResolvedFile =
  | {
      readonly ok: true;
      /** Absolute path. */
      readonly file: string;
      /** How to show it to the user: as given, or relative to the cwd when found by search. */
      readonly display: string;
    }
  | { readonly ok: false; readonly message: string };

/**
 * `[FILE] [ACTION...]` as `run` and `plan` take them: the first argument is FILE when it ends
 * in the graph suffix or names an existing file or folder; the rest are action names. With
 * `only`, at least one action is needed. The message is raw (callers escape it for a terminal).
 */
export async function resolveFileAndActions(
  positionals: readonly string[],
  only: boolean,
  cwd: string,
): Promise<{ readonly ok: true; readonly graph: Extract<ResolvedFile, { ok: true }>; readonly actions: string[] } | { readonly ok: false; readonly message: string }> {
  const actions = positionals.slice();
  let fileArg: string | undefined;
  const first = actions[0];
  if (first !== undefined && (first.endsWith(GRAPH_SUFFIX) || existsSync(path.resolve(cwd, first)))) {
    fileArg = first;
    actions.shift();
  }
  if (only && actions.length === 0) return { ok: false, message: '--only needs at least one ACTION' };
  const graph = await resolveGraphFile(fileArg, cwd);
  if (!graph.ok) return graph;
  return { ok: true, graph, actions };
}

/**
 * The graph file a command works on. With `arg` it is that file (or, when `arg` is a
 * folder, the only graph file in it); without, the only `*.actiontree.jsonc` in `cwd`.
 * Zero or several candidates give a message listing what was found.
 */
export async function resolveGraphFile(arg: string | undefined, cwd: string): Promise<ResolvedFile> {
  if (arg !== undefined) {
    const abs = path.resolve(cwd, arg);
    let st;
    try {
      st = await fs.stat(abs);
    } catch (e: unknown) {
      return { ok: false, message: `cannot read '${arg}': ${ioReason(e)}` };
    }
    if (st.isDirectory()) return findIn(abs, arg, cwd);
    // A FIFO, socket or device would block (or never end) when read: refused at once.
    if (!st.isFile()) return { ok: false, message: `cannot read '${arg}': ${kindReason(st)}` };
    return { ok: true, file: abs, display: arg };
  }
  return findIn(cwd, '.', cwd);
}

async function findIn(dir: string, shown: string, cwd: string): Promise<ResolvedFile> {
  let names: string[];
  try {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    names = entries.filter((e) => !e.isDirectory() && e.name.endsWith(GRAPH_SUFFIX)).map((e) => e.name);
  } catch (e: unknown) {
    return { ok: false, message: `cannot list '${shown}': ${ioReason(e)}` };
  }
  names.sort();
  const where = shown === '.' ? 'the current folder' : `'${shown}'`;
  if (names.length === 0) {
    return { ok: false, message: `no *${GRAPH_SUFFIX} file in ${where}; pass the graph file as FILE` };
  }
  if (names.length > 1) {
    return { ok: false, message: `several graph files in ${where} (${names.join(', ')}); pass one as FILE` };
  }
  const file = path.join(dir, names[0] as string);
  const rel = path.relative(cwd, file);
  return { ok: true, file, display: rel === '' || rel.startsWith('..') ? file : rel };
}

export type ReadResult =
  | { readonly ok: true; readonly text: string; readonly bytes: number }
  | { readonly ok: false; readonly message: string }
  | { readonly ok: 'too-large'; readonly bytes: number };

/**
 * Reads a graph file as UTF-8 (a leading byte order mark is dropped, as editors do).
 * Files over `limitBytes` are not read at all.
 */
export async function readGraphFile(file: string, display: string, limitBytes: number): Promise<ReadResult> {
  // Regular files only, opened without blocking (a FIFO is refused, never waited on).
  const r = await readRegularFile(file, { maxBytes: limitBytes, followSymlinks: true });
  if (r.ok) return { ok: true, text: textOf(r.bytes), bytes: r.bytes.length };
  if (r.kind === 'too-large') return { ok: 'too-large', bytes: r.size ?? limitBytes + 1 };
  return { ok: false, message: `cannot read '${display}': ${r.reason === 'no such file' ? 'no such file or folder' : r.reason}` };
}

function kindReason(st: Stats): string {
  return `it is ${kindOfFile(st)}, not a graph file`;
}

export function ioReason(e: unknown): string {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
  switch (code) {
    case 'ENOENT':
      return 'no such file or folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a folder';
    case 'ENOTDIR':
      return 'a part of the path is not a folder';
    case 'ELOOP':
      return 'too many symbolic links';
    case 'ENAMETOOLONG':
      return 'path too long';
    default:
      return e instanceof Error ? e.message : String(e);
  }
}
