/**
 * `actiontree` command line: a table of commands. To add one, export a `CliCommand` from
 * its own module and add it to `commands` below (one import + one entry).
 */
import { version } from '../../package.json';
import type { OutputGate } from '../runner/launcher';
import { EXIT_OK, EXIT_USAGE, type CliCommand, type CliIO } from './command';
import { escapeControls, escapeControlsKeepLines } from '../core/format';
import { ganttCommand } from './gantt';
import { graphCommand } from './graph';
import { reportCommand } from './report';
import { planCommand } from './plan';
import { runCommand } from './run';
import { traceCommand } from './trace';
import { validateCommand } from './validate';

export const commands: CliCommand[] = [validateCommand, runCommand, planCommand, graphCommand, ganttCommand, traceCommand, reportCommand];

export const VERSION: string = version;

export function mainUsage(list: readonly CliCommand[] = commands): string {
  const width = Math.max(...list.map((c) => c.name.length), 4);
  const rows = list.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: actiontree <command> [options]',
    '',
    'Task graphs of shell commands (*.actiontree.jsonc).',
    '',
    'Commands:',
    ...rows,
    `  ${'help'.padEnd(width)}  show help for a command: actiontree help <command>`,
    '',
    'Options:',
    '  -h, --help      show this help',
    '  -v, --version   print the version',
  ].join('\n');
}

export async function main(argv: readonly string[], io: CliIO, list: readonly CliCommand[] = commands): Promise<number> {
  const [first, ...rest] = argv;
  const find = (name: string) => list.find((c) => c.name === name);
  if (first === undefined) {
    io.stderr(`${mainUsage(list)}\n`);
    return EXIT_USAGE;
  }
  if (first === '--help' || first === '-h') {
    io.stdout(`${mainUsage(list)}\n`);
    return EXIT_OK;
  }
  if (first === '--version' || first === '-v' || first === 'version') {
    io.stdout(`${VERSION}\n`);
    return EXIT_OK;
  }
  if (first === 'help') {
    const name = rest[0];
    if (name === undefined) {
      io.stdout(`${mainUsage(list)}\n`);
      return EXIT_OK;
    }
    const c = find(name);
    if (!c) {
      io.stderr(`actiontree: unknown command '${escapeControls(name)}' (commands: ${list.map((x) => x.name).join(', ')})\n`);
      return EXIT_USAGE;
    }
    io.stdout(`${c.usage}\n`);
    return EXIT_OK;
  }
  if (first.startsWith('-')) {
    io.stderr(`actiontree: unknown option '${escapeControls(first)}' (see 'actiontree --help')\n`);
    return EXIT_USAGE;
  }
  const c = find(first);
  if (!c) {
    io.stderr(`actiontree: unknown command '${escapeControls(first)}' (commands: ${list.map((x) => x.name).join(', ')}; see 'actiontree --help')\n`);
    return EXIT_USAGE;
  }
  // Every message on stderr is ours (paths, ids, reasons from files): terminal-safe. `run`
  // escapes at each call site instead: with --json its stderr also carries the actions'
  // own output (failure tails), which is the user's and stays as printed.
  const cio: CliIO = c.name === 'run' ? io : { stdout: (s) => io.stdout(s), stderr: (s) => io.stderr(escapeControlsKeepLines(s)), cwd: io.cwd, isTTY: io.isTTY, env: io.env };
  try {
    return await c.run(rest, cio);
  } catch (e: unknown) {
    // A bug: one line, no stack, unless ACTIONTREE_DEBUG is set.
    const msg = e instanceof Error ? e.message : String(e);
    io.stderr(`actiontree ${c.name}: internal error: ${escapeControls(msg)}\n`);
    if (io.env.ACTIONTREE_DEBUG && e instanceof Error && e.stack) io.stderr(`${e.stack}\n`);
    return 70;
  }
}

function processIO(): CliIO {
  return {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    cwd: process.cwd(),
    isTTY: Boolean(process.stdout.isTTY),
    env: process.env,
    stdoutGate: streamGate(process.stdout, STDOUT_HIGH_WATER),
  };
}

/** `run --json` pauses the actions' output while stdout holds more than this (a slow reader). */
const STDOUT_HIGH_WATER = 4 * 1024 * 1024;

/** Open while the stream's unwritten data is under `highWater`; opens again on 'drain' (all written). */
export function streamGate(stream: NodeJS.WritableStream & { readonly writableLength: number }, highWater: number): OutputGate {
  let waiting: (() => void)[] = [];
  const wake = (): void => {
    if (stream.writableLength >= highWater && stream.writable) return;
    const fns = waiting;
    waiting = [];
    for (const fn of fns) fn();
  };
  // 'drain' comes once the buffer is empty; 'close'/'error' (the reader is gone) must not leave the run paused.
  stream.on('drain', wake);
  stream.on('close', wake);
  stream.on('error', wake);
  return {
    get open() {
      return stream.writableLength < highWater || !stream.writable;
    },
    onOpen(fn: () => void) {
      if (stream.writableLength < highWater || !stream.writable) fn();
      else waiting.push(fn);
    },
  };
}

/** True when this module is the program: run directly (`node dist/cli.js`) or through bin/actiontree.js. */
function isEntryPoint(): boolean {
  if (typeof require === 'undefined' || typeof module === 'undefined') return false;
  if (require.main === module) return true;
  return /[\\/]bin[\\/]actiontree(\.js)?$/.test(require.main?.filename ?? '');
}

if (isEntryPoint()) {
  // An EPIPE (e.g. `actiontree graph | head`) is not an error worth a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
  void main(process.argv.slice(2), processIO()).then((code) => {
    process.exitCode = code;
  });
}
