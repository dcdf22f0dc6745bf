/**
 * The environment an action gets when run from VS Code: the one a new integrated terminal of
 * that workspace would have, not the extension host's. VS Code's terminal removes variables
 * that only make sense inside VS Code's own processes (its `sanitizeProcessEnvironment`:
 * `ELECTRON_*`, `VSCODE_*` except a few it hands to shells, `SNAP*`, `GDK_PIXBUF_*`) — with
 * `ELECTRON_RUN_AS_NODE=1` left in, any Electron program an action starts (`code`, Electron
 * test runners) runs as plain Node — then applies `terminal.integrated.env.<platform>`
 * (a string sets a variable, null removes it; `${env:NAME}` is replaced by NAME's value).
 * Pure: no `node:*`, no `vscode`.
 */

const STRIP: readonly RegExp[] = [
  /^ELECTRON_.+$/,
  /^VSCODE_(?!(PORTABLE|SHELL_LOGIN|ENV_REPLACE|ENV_APPEND|ENV_PREPEND)$).+$/,
  /^SNAP(|_.*)$/,
  /^GDK_PIXBUF_.+$/,
];

/** True when VS Code's terminal would not pass `name` on to a shell. */
export function strippedByTerminal(name: string): boolean {
  return STRIP.some((re) => re.test(name));
}

/** The `terminal.integrated.env.*` key for a Node `process.platform` value. */
export function terminalEnvSettingKey(platform: string): 'windows' | 'osx' | 'linux' {
  return platform === 'win32' ? 'windows' : platform === 'darwin' ? 'osx' : 'linux';
}

/** Keeps only string-or-null values of a settings object (anything else is ignored). */
export function envOverrides(x: unknown): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return out;
  for (const [k, v] of Object.entries(x as Record<string, unknown>)) {
    if (k === '' || k.includes('=') || k.includes('\0')) continue;
    if (v === null || typeof v === 'string') out[k] = v;
  }
  return out;
}

/** `base` (e.g. the extension host's process.env) as a terminal of the workspace would see it. */
export function terminalEnvironment(base: Readonly<Record<string, string | undefined>>, overrides: Readonly<Record<string, string | null>> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && !strippedByTerminal(k)) env[k] = v;
  const resolve = (v: string): string => v.replace(/\$\{env:([^}]+)\}/g, (_m, name: string) => env[name] ?? base[name] ?? '');
  for (const [k, v] of Object.entries(overrides)) {
    if (v === null) delete env[k];
    else env[k] = resolve(v);
  }
  return env;
}
