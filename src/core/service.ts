/**
 * SPEC §10 services: the `service` field of an action, its model and its diagnostics.
 *
 *   "service": { "readyWhen": { "logMatches": "listening on" }, "readyTimeout": "30s" }
 *
 * `readyWhen` holds exactly one probe: `logMatches` (a regular expression tested against each
 * line of the action's stdout and stderr), `port` (a TCP connect to 127.0.0.1:port succeeds),
 * `http` (a GET of an http(s) URL answers 200–399) or `file` (a file, relative to the action's
 * cwd, appears or changes). The probes themselves run in the runner (src/runner/readiness.ts);
 * the scheduler only knows "ready". Pure: no node:*.
 */
import type { DiagnosticSink } from './parse/sink';
import { objectProps } from './parse/props';
import { describeNode, spanOf, type LNode } from './parse/tree';
import { parseDuration } from './duration';
import { closest } from './suggest';

export type ReadyProbe =
  /** A line of stdout or stderr matches `pattern` (a JavaScript regular expression, no flags). */
  | { readonly kind: 'log'; readonly pattern: string }
  /** A TCP connection to 127.0.0.1:port is accepted. */
  | { readonly kind: 'port'; readonly port: number }
  /** A GET of `url` answers with a status 200–399 (redirects are not followed). */
  | { readonly kind: 'http'; readonly url: string }
  /** The file (relative to the action's cwd) exists and is new or changed since the attempt started. */
  | { readonly kind: 'file'; readonly path: string };

export interface ServiceSpec {
  readonly readyWhen: ReadyProbe;
  /** From the attempt's start; past it the service fails "not ready after …" and its tree is killed. */
  readonly readyTimeoutMs: number;
}

/** `readyTimeout` when none is written. */
export const DEFAULT_READY_TIMEOUT_MS = 30_000;

export const SERVICE_KEYS = ['readyWhen', 'readyTimeout'] as const;
export const PROBE_KEYS = ['logMatches', 'port', 'http', 'file'] as const;

function q(s: string): string {
  return `'${s.length > 60 ? `${s.slice(0, 57)}...` : s}'`;
}

/** A short human description of a probe ("a line matching /listening on/", "port 5432 accepting connections"). */
export function describeProbe(p: ReadyProbe): string {
  switch (p.kind) {
    case 'log':
      return `a line of output matching /${p.pattern}/`;
    case 'port':
      return `127.0.0.1:${p.port} accepting connections`;
    case 'http':
      return `${p.url} answering 2xx/3xx`;
    case 'file':
      return `file ${p.path} appearing`;
    default: {
      const never: never = p;
      return never;
    }
  }
}

/**
 * Parses the value of an action's `service`. Reports every problem (code `invalid-service`,
 * `schema` for a value of the wrong type) at the token that causes it; returns undefined
 * unless the whole field is valid (an invalid service never runs: the graph has errors).
 */
export function parseService(v: LNode, sink: DiagnosticSink, where: string): ServiceSpec | undefined {
  const err = (message: string, n: LNode): void => sink.add('invalid-service', 'error', `${where}: ${message}`, spanOf(n));
  if (v.type !== 'object') {
    sink.error(`${where}: 'service' must be an object like { "readyWhen": { "logMatches": "listening on" } }, got ${describeNode(v)}`, spanOf(v));
    return undefined;
  }
  const props = objectProps(v, sink, `the service of ${where}`);
  let ok = true;
  for (const p of props.values()) {
    if ((SERVICE_KEYS as readonly string[]).includes(p.name)) continue;
    const s = closest(p.name, SERVICE_KEYS);
    sink.warning(`unknown property ${q(p.name)} in the service of ${where}${s ? `; did you mean ${q(s)}?` : ''}`, spanOf(p.key), s ? { suggestion: s } : undefined);
  }
  let readyTimeoutMs = DEFAULT_READY_TIMEOUT_MS;
  const pt = props.get('readyTimeout');
  if (pt?.value) {
    const n = pt.value;
    const d = parseDuration(n.type === 'string' || n.type === 'number' || n.type === 'boolean' ? n.value : n.type === 'null' ? null : n.type === 'array' ? [] : {});
    if (!d.ok) {
      sink.error(`${where}: 'readyTimeout': ${d.message}`, spanOf(n));
      ok = false;
    } else readyTimeoutMs = d.ms;
  }
  const pw = props.get('readyWhen');
  if (pw === undefined) {
    sink.add(
      'invalid-service',
      'error',
      `${where}: a service needs 'readyWhen' with one probe: "logMatches", "port", "http" or "file"`,
      spanOf(v),
    );
    return undefined;
  }
  const w = pw.value;
  if (w === undefined) return undefined;
  if (w.type !== 'object') {
    sink.error(`${where}: 'readyWhen' must be an object with one probe ("logMatches", "port", "http" or "file"), got ${describeNode(w)}`, spanOf(w));
    return undefined;
  }
  const probes = objectProps(w, sink, `'readyWhen' of ${where}`);
  const known = probes.values().filter((p) => (PROBE_KEYS as readonly string[]).includes(p.name));
  for (const p of probes.values()) {
    if ((PROBE_KEYS as readonly string[]).includes(p.name)) continue;
    const s = closest(p.name, PROBE_KEYS);
    sink.add(
      'invalid-service',
      'error',
      `${where}: unknown readiness probe ${q(p.name)}; use "logMatches", "port", "http" or "file"${s ? ` (did you mean ${q(s)}?)` : ''}`,
      spanOf(p.key),
      [],
      s ? { suggestion: s } : undefined,
    );
    ok = false;
  }
  if (known.length === 0) {
    if (probes.size === 0) err(`'readyWhen' is empty: give one probe ("logMatches", "port", "http" or "file")`, w);
    return undefined;
  }
  // Every probe's value is checked, also when there are several (each problem is reported once).
  const checked = known.map((p) => checkProbe(p, err));
  if (known.length > 1) {
    const first = known[0] as (typeof known)[number];
    for (const extra of known.slice(1)) {
      sink.add(
        'invalid-service',
        'error',
        `${where}: 'readyWhen' takes one probe, but has ${q(first.name)} and ${q(extra.name)} too; keep one`,
        spanOf(extra.key),
        [{ span: spanOf(first.key), message: `the first probe, ${q(first.name)}` }],
      );
    }
    return undefined;
  }
  const probe = checked[0];
  if (probe === undefined || !ok) return undefined;
  return { readyWhen: probe, readyTimeoutMs };
}

/** One probe's value: the probe, or undefined after reporting why (through `err`). */
function checkProbe(p: { readonly name: string; readonly value: LNode | undefined }, err: (message: string, n: LNode) => void): ReadyProbe | undefined {
  const n = p.value;
  if (n === undefined) return undefined;
  let probe: ReadyProbe | undefined;
  switch (p.name) {
    case 'logMatches': {
      if (n.type !== 'string') {
        err(`'logMatches' must be a string (a regular expression), got ${describeNode(n)}`, n);
        break;
      }
      const src = n.value as string;
      if (src === '') {
        err(`'logMatches' is empty: it would match any line; give the text the service prints when it is ready`, n);
        break;
      }
      try {
        new RegExp(src);
        probe = { kind: 'log', pattern: src };
      } catch (e: unknown) {
        err(`'logMatches' is not a valid regular expression: ${e instanceof Error ? e.message : String(e)}`, n);
      }
      break;
    }
    case 'port': {
      if (n.type !== 'number' || !Number.isInteger(n.value)) {
        err(`'port' must be an integer from 1 to 65535, got ${describeNode(n)}`, n);
        break;
      }
      const port = n.value as number;
      if (port < 1 || port > 65535) err(`'port' ${port} is out of range: a TCP port is from 1 to 65535`, n);
      else probe = { kind: 'port', port };
      break;
    }
    case 'http': {
      if (n.type !== 'string') {
        err(`'http' must be a URL string like "http://127.0.0.1:8080/health", got ${describeNode(n)}`, n);
        break;
      }
      const url = n.value as string;
      let parsed: URL | undefined;
      try {
        parsed = new URL(url);
      } catch {
        parsed = undefined;
      }
      if (parsed === undefined) err(`'http': ${q(url)} is not a valid URL; write e.g. "http://127.0.0.1:8080/health"`, n);
      else if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') err(`'http': ${q(url)} must be an http:// or https:// URL, not ${parsed.protocol}`, n);
      else if (parsed.username !== '' || parsed.password !== '') err(`'http': ${q(url)} carries credentials; a readiness URL should not`, n);
      else probe = { kind: 'http', url };
      break;
    }
    case 'file': {
      if (n.type !== 'string') {
        err(`'file' must be a path string (relative to the action's cwd), got ${describeNode(n)}`, n);
        break;
      }
      const path = n.value as string;
      if (path === '') err(`'file' is empty: give the path of the file the service creates when it is ready`, n);
      else if (path.includes('\u0000')) err(`'file' contains a NUL character (\\u0000), which no path can`, n);
      else probe = { kind: 'file', path };
      break;
    }
  }
  return probe;
}
