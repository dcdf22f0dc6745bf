import type { OutputGate } from '../runner/launcher';

/**
 * The CLI's command table types. A command is a name, a one-line summary, a usage text and
 * `run`, which returns the exit code (0 ok, 1 failure, 2 usage / unreadable input) and
 * writes only through `io`, so tests can run it in-process.
 */
export interface CliIO {
  stdout(s: string): void;
  stderr(s: string): void;
  readonly cwd: string;
  readonly isTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Closed while stdout has more than a bound of unwritten data (a slow reader); absent in-process. */
  readonly stdoutGate?: OutputGate;
}

export interface CliCommand {
  readonly name: string;
  readonly summary: string;
  /** Full help text: first line `Usage: actiontree <name> …`, then options. */
  readonly usage: string;
  run(argv: string[], io: CliIO): Promise<number>;
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** Allowed values for a string option. */
  readonly choices?: readonly string[];
  /** A string option may be given several times. */
  readonly multiple?: boolean;
}

export type ParsedArgs =
  | {
      readonly ok: true;
      readonly values: Record<string, string | boolean | string[] | undefined>;
      readonly positionals: string[];
    }
  | { readonly ok: false; readonly message: string };

/**
 * A small strict option parser: `--name value`, `--name=value`, `-x value`, `--flag`,
 * `--no-flag` is not supported; `--` ends options. Unknown options and missing values are
 * returned as a message, never thrown.
 */
export function parseArgs(command: string, argv: readonly string[], spec: Readonly<Record<string, OptionSpec>>): ParsedArgs {
  const values: Record<string, string | boolean | string[] | undefined> = {};
  const positionals: string[] = [];
  const shorts = new Map<string, string>();
  for (const [name, s] of Object.entries(spec)) if (s.short) shorts.set(s.short, name);
  const hint = `(see 'actiontree help ${command}')`;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-' || !arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }
    let name: string | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
      if (!Object.prototype.hasOwnProperty.call(spec, name)) {
        return { ok: false, message: `unknown option '--${name}' for '${command}' ${hint}` };
      }
    } else {
      const letter = arg.slice(1, 2);
      name = shorts.get(letter);
      if (name === undefined) return { ok: false, message: `unknown option '-${letter}' for '${command}' ${hint}` };
      if (arg.length > 2) inline = arg.slice(2);
    }
    const s = spec[name] as OptionSpec;
    const shown = arg.startsWith('--') ? `--${name}` : `-${s.short ?? ''}`;
    if (s.type === 'boolean') {
      if (inline !== undefined) return { ok: false, message: `option '${shown}' takes no value ${hint}` };
      values[name] = true;
      continue;
    }
    let v = inline;
    if (v === undefined) {
      const next = argv[i + 1];
      // A negative number is a value (`--cpus -1` gets its own message), not an option.
      if (next === undefined || (next.startsWith('-') && next !== '-' && !/^-[0-9.]/.test(next))) {
        return { ok: false, message: `option '${shown}' needs a value ${hint}` };
      }
      v = next;
      i++;
    }
    if (s.choices && !s.choices.includes(v)) {
      return { ok: false, message: `invalid value '${v}' for '${shown}': expected ${s.choices.map((c) => `'${c}'`).join(', ')}` };
    }
    if (s.multiple) {
      const prev = values[name];
      values[name] = Array.isArray(prev) ? [...prev, v] : [v];
    } else values[name] = v;
  }
  return { ok: true, values, positionals };
}

/** Largest value an integer option accepts (slots past the number of actions change nothing). */
export const MAX_INT_OPTION = 1_000_000;

/**
 * A whole-number option value: decimal digits only (no sign, fraction, exponent or
 * separators), from `min` to MAX_INT_OPTION. The message names the option and the value.
 */
export function parseIntOption(option: string, value: string, min = 1): { ok: true; value: number } | { ok: false; message: string } {
  const n = /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (Number.isInteger(n) && n >= min && n <= MAX_INT_OPTION) return { ok: true, value: n };
  return { ok: false, message: `${option} needs a whole number from ${min} to ${MAX_INT_OPTION}, got '${value}'` };
}
