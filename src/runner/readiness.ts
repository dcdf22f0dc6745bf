import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Executor, JobHandle, OutputSink } from '../core/run/executor';
import type { Job } from '../core/run/plan';
import type { ReadyProbe } from '../core/service';
import { forwarded } from './sampler';

/**
 * SPEC §10 readiness probes, as an executor wrapper: a service's attempt (a job with
 * `service`) gets a `ready` promise on its handle that resolves when its probe first succeeds
 * (or null when the attempt ended first). The launchers are untouched: the log probe reads
 * the output the launcher already delivers (the `onOutput` sink, which also feeds the log file
 * and the UI), the other probes poll from here. The scheduler owns readyTimeout and stopping.
 *
 *   logMatches  each line of stdout and stderr (ANSI colour codes removed; a partial last line
 *               is tested too) against the regular expression
 *   port        a TCP connect to 127.0.0.1:port is accepted
 *   http        GET url answers 200–399 (redirects count as ready, not followed; like a
 *               Kubernetes httpGet probe)
 *   file        path (relative to the job's cwd) exists and is new or changed (inode, size,
 *               mtime) since just before the attempt started, so a stale file left by an
 *               earlier run does not count
 *
 * `checkService` (asked by the scheduler before a service's first attempt): a port probe's
 * port — or an http probe's port on a loopback host — that already accepts connections is held
 * by another process; the service fails at once ("port 5432 is already in use by another
 * process") instead of looking ready thanks to someone else.
 */

export interface ReadinessOptions {
  /** Poll interval of the port/http/file probes (ms); default 100. */
  readonly pollMs?: number;
  /** Clock for the ready time (epoch ms); default performance.timeOrigin + performance.now(). */
  readonly now?: () => number;
}

/** Longest partial line kept for the log probe (a longer line is tested by its tail). */
const MAX_PARTIAL = 64 * 1024;
/** One connect / request attempt of a probe. */
const PROBE_ATTEMPT_MS = 2000;

// CSI and OSC sequences, and lone escapes: colour codes must not hide "listening on".
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

const realNow = (): number => performance.timeOrigin + performance.now();

export function withServices(inner: Executor, opts: ReadinessOptions = {}): Executor {
  const pollMs = Math.max(5, opts.pollMs ?? 100);
  const now = opts.now ?? realNow;
  return {
    ...forwarded(inner),
    start(job: Job, attempt: number, onOutput: OutputSink): JobHandle {
      const service = job.service;
      if (service === undefined) return inner.start(job, attempt, onOutput);
      const probe = service.readyWhen;
      let settle!: (t: number | null) => void;
      const ready = new Promise<number | null>((r) => (settle = r));
      let done = false;
      const cleanups: (() => void)[] = [];
      const finish = (t: number | null): void => {
        if (done) return;
        done = true;
        for (const c of cleanups) c();
        settle(t);
      };
      let sink: OutputSink = onOutput;
      if (probe.kind === 'log') {
        const watch = new LineWatcher(new RegExp(probe.pattern));
        sink = (stream, text) => {
          onOutput(stream, text);
          if (!done && watch.feed(stream, text)) finish(now());
        };
      }
      // The file's identity before the attempt: an old ready flag is not readiness.
      const file = probe.kind === 'file' ? path.resolve(job.cwd, probe.path) : null;
      const before = file !== null ? statKey(file) : null;
      const h = inner.start(job, attempt, sink);
      void h.exited.then(
        () => finish(null),
        () => finish(null),
      );
      if (probe.kind !== 'log' && !done) startPolling(probe, file, before, pollMs, cleanups, () => done, () => finish(now()));
      const out: JobHandle = {
        pid: h.pid,
        ...(h.ref !== undefined ? { ref: h.ref } : {}),
        exited: h.exited,
        ...(h.began !== undefined ? { began: h.began } : {}),
        ...(h.endTime !== undefined ? { endTime: () => h.endTime?.() } : {}),
        ...(h.usage !== undefined ? { usage: () => h.usage?.() ?? null } : {}),
        kill: () => h.kill(),
        ready,
      };
      return out;
    },
    async checkService(job: Job): Promise<string | null> {
      const probe = job.service?.readyWhen;
      if (probe === undefined) return null;
      const target = portOf(probe);
      if (target === null) return null;
      const open = await tcpOpen(target.host, target.port, PROBE_ATTEMPT_MS, []);
      if (!open) return null;
      return probe.kind === 'port'
        ? `port ${target.port} is already in use by another process (127.0.0.1:${target.port} accepted a connection before the service started)`
        : `port ${target.port} of ${probe.kind === 'http' ? probe.url : ''} is already in use by another process (it accepted a connection before the service started)`;
    },
  };
}

/** The loopback TCP port a probe waits for, when it has one. */
function portOf(p: ReadyProbe): { host: string; port: number } | null {
  if (p.kind === 'port') return { host: '127.0.0.1', port: p.port };
  if (p.kind !== 'http') return null;
  let u: URL;
  try {
    u = new URL(p.url);
  } catch {
    return null;
  }
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') return null;
  const port = u.port !== '' ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
  return { host: host === 'localhost' ? '127.0.0.1' : host, port };
}

/** Tests lines of each stream against a regular expression (the partial last line too). */
export class LineWatcher {
  private readonly partial = new Map<string, string>();
  constructor(private readonly re: RegExp) {}

  /** True once a line matched. */
  feed(stream: string, text: string): boolean {
    const all = (this.partial.get(stream) ?? '') + text;
    const lines = all.split('\n');
    let last = lines.pop() ?? '';
    for (const line of lines) if (this.test(line)) return true;
    if (last.length > MAX_PARTIAL) last = last.slice(-MAX_PARTIAL);
    this.partial.set(stream, last);
    return last !== '' && this.test(last);
  }

  private test(line: string): boolean {
    const clean = line.replace(/\r$/, '').replace(ANSI, '');
    // A carriage return redraws the line: each segment is what was on screen.
    for (const seg of clean.split('\r')) if (this.re.test(seg)) return true;
    return false;
  }
}

function statKey(file: string): string | null {
  try {
    const st = fs.statSync(file);
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
  } catch {
    return null;
  }
}

function startPolling(
  probe: ReadyProbe,
  file: string | null,
  before: string | null,
  pollMs: number,
  cleanups: (() => void)[],
  isDone: () => boolean,
  onReady: () => void,
): void {
  let timer: NodeJS.Timeout | null = null;
  const inflight: (() => void)[] = [];
  cleanups.push(() => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    for (const c of inflight.splice(0)) c();
  });
  const check = async (): Promise<boolean> => {
    switch (probe.kind) {
      case 'port':
        return tcpOpen('127.0.0.1', probe.port, PROBE_ATTEMPT_MS, inflight);
      case 'http':
        return httpOk(probe.url, PROBE_ATTEMPT_MS, inflight);
      case 'file': {
        const k = statKey(file as string);
        return k !== null && k !== before;
      }
      case 'log':
        return false;
      default: {
        const never: never = probe;
        return never;
      }
    }
  };
  const tick = (): void => {
    timer = null;
    if (isDone()) return;
    check().then(
      (ok) => {
        if (isDone()) return;
        if (ok) onReady();
        else timer = setTimeout(tick, pollMs);
      },
      () => {
        if (!isDone()) timer = setTimeout(tick, pollMs);
      },
    );
  };
  // First check right away (a fast service), then every pollMs.
  timer = setTimeout(tick, 0);
}

/**
 * Whether a TCP connection to host:port is accepted within `ms`. Never rejects. An accepted
 * connection is closed gently (FIN, whatever the server sends is read and dropped, reset only
 * after 500 ms): a server that greets its clients must not hit a write error because of a probe.
 */
export function tcpOpen(host: string, port: number, ms: number, inflight: (() => void)[]): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const sock = net.connect({ host, port });
    let settled = false;
    const settle = (v: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(t);
      const i = inflight.indexOf(abort);
      if (i >= 0) inflight.splice(i, 1);
      resolve(v);
    };
    const abort = (): void => {
      settle(false);
      sock.destroy();
    };
    inflight.push(abort);
    const t = setTimeout(abort, ms);
    sock.on('error', () => {
      settle(false);
      sock.destroy();
    });
    sock.once('connect', () => {
      settle(true);
      sock.resume();
      sock.end();
      const linger = setTimeout(() => sock.destroy(), 500);
      linger.unref();
      sock.once('close', () => clearTimeout(linger));
    });
  });
}

/** Whether GET url answers 200–399 within `ms`. Never rejects. */
function httpOk(url: string, ms: number, inflight: (() => void)[]): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let settled = false;
    let req: http.ClientRequest | undefined;
    const end = (v: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(t);
      req?.destroy();
      const i = inflight.indexOf(abort);
      if (i >= 0) inflight.splice(i, 1);
      resolve(v);
    };
    const abort = (): void => end(false);
    inflight.push(abort);
    const t = setTimeout(() => end(false), ms);
    try {
      const mod = url.startsWith('https:') ? https : http;
      req = mod.get(url, { agent: false, headers: { 'user-agent': 'actiontree-readiness', connection: 'close' } }, (res) => {
        const code = res.statusCode ?? 0;
        res.resume();
        end(code >= 200 && code < 400);
      });
      req.once('error', () => end(false));
    } catch {
      end(false);
    }
  });
}
