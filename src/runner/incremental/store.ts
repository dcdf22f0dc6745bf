import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ActionRecord, FileHash, FingerprintParts } from '../../core/incremental/decide';
import { isDirEntry, isStatEntry, type DirEntry, type StatEntry } from './files';

/**
 * The incremental state of one graph file under `.actiontree/state/` beside it:
 *
 * - `<name>-<hash>.json`: the compacted state (every action's last record and the stat
 *   cache), written as a temp file + rename at the end of a run;
 * - `<name>-<hash>.journal`: one JSON line per record change, appended (one write) as each
 *   action starts and finishes, so a runner killed with SIGKILL loses nothing that finished:
 *   the next load replays it over the compacted state (a torn last line is ignored);
 * - `<name>-<hash>.lock`: held by a running run (pid, start time, host).
 *
 * `<hash>` is of the graph file's absolute path, so two graph files in one folder (or a
 * copied `.actiontree/`) never share state; the state file names its graph file and a state
 * file naming another is ignored with a warning.
 */

export const STATE_VERSION = 3;
/** Versions this runner reads: 2 kept each record's `parts` as an object, 3 as JSON text (read lazily). */
const READABLE_VERSIONS: readonly unknown[] = [2, 3];

export function stateDir(graphFile: string): string {
  return path.join(path.dirname(graphFile), '.actiontree', 'state');
}

export function stateBase(graphFile: string): string {
  const abs = path.resolve(graphFile);
  const key = createHash('sha256').update(abs).digest('hex').slice(0, 12);
  const name = path.basename(abs).replace(/\.actiontree\.jsonc$/, '').replace(/[^A-Za-z0-9_.-]/g, '_');
  return path.join(stateDir(abs), `${name}-${key}`);
}

function errCode(e: unknown): string {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
}

function errText(e: unknown): string {
  const c = errCode(e);
  if (c === 'EACCES' || c === 'EPERM') return 'permission denied';
  if (c === 'EROFS') return 'read-only file system';
  return e instanceof Error ? e.message : String(e);
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isPairs = (x: unknown): boolean =>
  Array.isArray(x) && x.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && typeof e[1] === 'string');
const isStrMap = (x: unknown, nullable = false): boolean =>
  isObj(x) && Object.values(x).every((v) => typeof v === 'string' || (nullable && v === null));

function validParts(p: unknown): p is FingerprintParts {
  if (!isObj(p) || typeof p['command'] !== 'string' || typeof p['cwd'] !== 'string') return false;
  return isStrMap(p['env']) && isStrMap(p['envInputs'], true) && isPairs(p['inputs']) && isStrMap(p['deps']);
}

/**
 * Parts that equal no action's: what a record whose stored parts turn out malformed compares
 * as (its action runs; the fingerprint, stored apart, still decides a skip — see decide()).
 */
const UNREADABLE_PARTS: FingerprintParts = { command: '\u0000unreadable record', cwd: '\u0000', env: {}, envInputs: {}, inputs: [], deps: {} };

/**
 * A succeeded record from the compacted state whose `parts` are kept as the JSON text they
 * were stored as, and parsed only when asked for: a no-op run compares fingerprints and never
 * needs them (loading thousands of parts objects cost more than all the checks' garbage).
 */
class LazyRecord {
  readonly state = 'succeeded' as const;
  private parsed: FingerprintParts | undefined;
  constructor(
    readonly fingerprint: string,
    readonly outputs: readonly FileHash[],
    readonly time: number,
    /** The parts as stored (JSON text). */
    readonly partsText: string,
  ) {}

  get parts(): FingerprintParts {
    if (this.parsed === undefined) {
      let p: unknown;
      try {
        p = JSON.parse(this.partsText);
      } catch {
        p = undefined;
      }
      this.parsed = validParts(p) ? p : UNREADABLE_PARTS;
    }
    return this.parsed;
  }

  toJSON(): unknown {
    return { state: this.state, fingerprint: this.fingerprint, parts: this.parts, outputs: this.outputs, time: this.time };
  }
}

/** A record read from disk, or undefined when its shape is wrong (then the action runs). */
export function validRecord(x: unknown): ActionRecord | undefined {
  if (!isObj(x) || typeof x['time'] !== 'number') return undefined;
  const st = x['state'];
  if (st === 'failed' || st === 'canceled' || st === 'started') return x as ActionRecord;
  if (st !== 'succeeded' || typeof x['fingerprint'] !== 'string' || !isPairs(x['outputs'])) return undefined;
  const p = x['parts'];
  if (typeof p === 'string') return new LazyRecord(x['fingerprint'], x['outputs'] as FileHash[], x['time'], p);
  if (!validParts(p)) return undefined;
  return x as ActionRecord;
}

/** A record as the compacted state stores it: `parts` as JSON text (kept as read when never parsed). */
function storedRecord(r: ActionRecord): unknown {
  if (r.state !== 'succeeded') return r;
  const text = r instanceof LazyRecord ? r.partsText : JSON.stringify(r.parts);
  return { state: r.state, fingerprint: r.fingerprint, parts: text, outputs: r.outputs, time: r.time };
}

export interface LoadedState {
  readonly records: Map<string, ActionRecord>;
  readonly stat: Map<string, StatEntry>;
  /** Folder listings (version 3; a cache like `stat`). */
  readonly dirs: Map<string, DirEntry>;
  readonly warnings: string[];
  /** The compacted state is of an older version this runner still reads: rewrite it at the end of the run. */
  readonly outdated: boolean;
}

/** Reads the compacted state and replays the journal. Never throws: problems become warnings (and the actions concerned run). */
export function loadState(graphFile: string): LoadedState {
  const base = stateBase(graphFile);
  const abs = path.resolve(graphFile);
  const records = new Map<string, ActionRecord>();
  const stat = new Map<string, StatEntry>();
  const dirs = new Map<string, DirEntry>();
  const warnings: string[] = [];
  let outdated = false;
  const file = `${base}.json`;
  let text: string | undefined;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e: unknown) {
    if (errCode(e) !== 'ENOENT') warnings.push(`cannot read the incremental state ${file} (${errText(e)}); incremental actions run`);
  }
  if (text !== undefined) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
    if (!isObj(data) || !READABLE_VERSIONS.includes(data['version']) || !isObj(data['records']) || !isObj(data['stat'])) {
      warnings.push(`ignoring the incremental state ${file}: it is corrupt or of another version; incremental actions run`);
    } else if (data['graphFile'] !== abs) {
      warnings.push(`ignoring the incremental state ${file}: it belongs to ${JSON.stringify(data['graphFile'])}; incremental actions run`);
    } else {
      outdated = data['version'] !== STATE_VERSION;
      let bad = 0;
      for (const [id, r] of Object.entries(data['records'])) {
        const v = validRecord(r);
        if (v) records.set(id, v);
        else bad++;
      }
      for (const [p, e] of Object.entries(data['stat'])) if (isStatEntry(e)) stat.set(p, e);
      const d = data['dirs'];
      if (isObj(d)) for (const [p, e] of Object.entries(d)) if (isDirEntry(e)) dirs.set(p, e);
      if (bad > 0) warnings.push(`ignoring ${bad} malformed record${bad === 1 ? '' : 's'} in ${file}; those actions run`);
    }
  }
  let journal: string | undefined;
  try {
    journal = fs.readFileSync(`${base}.journal`, 'utf8');
  } catch (e: unknown) {
    if (errCode(e) !== 'ENOENT') warnings.push(`cannot read the incremental journal ${base}.journal (${errText(e)}); incremental actions run`);
  }
  if (journal !== undefined) {
    const lines = journal.split('\n');
    const complete = lines.length - 1; // the text after the last \n is '' or a torn line
    let bad = 0;
    for (let i = 0; i < complete; i++) {
      const line = lines[i] as string;
      if (line === '') continue;
      let e: unknown;
      try {
        e = JSON.parse(line);
      } catch {
        bad++;
        continue;
      }
      if (!isObj(e) || typeof e['id'] !== 'string') {
        bad++;
        continue;
      }
      if (e['graphFile'] !== undefined) {
        if (e['graphFile'] !== abs) {
          warnings.push(`ignoring the incremental journal ${base}.journal: it belongs to ${JSON.stringify(e['graphFile'])}; incremental actions run`);
          records.clear();
          break;
        }
        continue;
      }
      const r = validRecord(e['r']);
      if (r) records.set(e['id'], r);
      else {
        // Whatever it was, the action's state is now unknown: it runs.
        records.delete(e['id']);
        bad++;
      }
    }
    if (bad > 0) warnings.push(`ignoring ${bad} malformed line${bad === 1 ? '' : 's'} of ${base}.journal; the actions concerned run`);
  }
  return { records, stat, dirs, warnings, outdated };
}

/** Appends records to the journal and compacts the state at the end. */
export class StateWriter {
  private fd: number | null = null;
  private wroteHeader = false;
  /** Something was appended since the last compaction. */
  dirty = false;
  readonly base: string;

  private constructor(
    private readonly graphFile: string,
    fd: number,
  ) {
    this.base = stateBase(graphFile);
    this.fd = fd;
  }

  /** Opens the journal for appending (creating the folder), or explains why it cannot. */
  static open(graphFile: string): { ok: true; writer: StateWriter } | { ok: false; message: string } {
    const base = stateBase(graphFile);
    try {
      fs.mkdirSync(path.dirname(base), { recursive: true });
      const fd = fs.openSync(`${base}.journal`, 'a+');
      const w = new StateWriter(graphFile, fd);
      // A runner killed mid-write may have left a torn last line: end it, so it stays alone (and ignored).
      const size = fs.fstatSync(fd).size;
      if (size > 0) {
        const last = Buffer.alloc(1);
        fs.readSync(fd, last, 0, 1, size - 1);
        if (last[0] !== 0x0a) fs.writeSync(fd, '\n');
      }
      return { ok: true, writer: w };
    } catch (e: unknown) {
      return { ok: false, message: `cannot write the incremental state in ${path.dirname(base)} (${errText(e)})` };
    }
  }

  /** One line, one write: durable against the runner being killed once this returns. Returns an error message or null. */
  append(id: string, r: ActionRecord): string | null {
    if (this.fd === null) return 'closed';
    try {
      const header = this.wroteHeader ? '' : JSON.stringify({ id: '', graphFile: path.resolve(this.graphFile) }) + '\n';
      fs.writeSync(this.fd, header + JSON.stringify({ id, r }) + '\n');
      this.wroteHeader = true;
      this.dirty = true;
      return null;
    } catch (e: unknown) {
      return errText(e);
    }
  }

  /** Writes the compacted state (temp + rename) and empties the journal. Returns an error message or null. */
  compact(records: ReadonlyMap<string, ActionRecord>, stat: ReadonlyMap<string, StatEntry>, dirs: ReadonlyMap<string, DirEntry> = new Map()): string | null {
    const file = `${this.base}.json`;
    const tmp = `${this.base}.json.${process.pid}.tmp`;
    try {
      const data = {
        version: STATE_VERSION,
        graphFile: path.resolve(this.graphFile),
        records: Object.fromEntries([...records].map(([id, r]) => [id, storedRecord(r)])),
        stat: Object.fromEntries(stat),
        dirs: Object.fromEntries(dirs),
      };
      fs.writeFileSync(tmp, JSON.stringify(data));
      fs.renameSync(tmp, file);
      if (this.fd !== null) fs.closeSync(this.fd);
      this.fd = null;
      fs.unlinkSync(`${this.base}.journal`);
      return null;
    } catch (e: unknown) {
      try {
        fs.unlinkSync(tmp);
      } catch {
        // not created
      }
      return errText(e);
    }
  }

  /** Closes the journal; removes it when nothing was ever written to it (a run that changed nothing). */
  close(): void {
    if (this.fd !== null && !this.dirty) {
      try {
        if (fs.fstatSync(this.fd).size === 0) fs.unlinkSync(`${this.base}.journal`);
      } catch {
        // leave it
      }
    }
    if (this.fd !== null) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = null;
    }
  }
}

// ---------------------------------------------------------------------------------------
// The lock against two runs of one graph file at once.

interface LockInfo {
  readonly pid: number;
  readonly startedAt: number;
  readonly hostname: string;
  /** Linux: the process's start time in clock ticks since boot (/proc/<pid>/stat field 22), against pid reuse. */
  readonly procStart?: string;
}

function procStart(pid: number): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return fields[19]; // field 22 overall; fields here start at field 3
  } catch {
    return undefined;
  }
}

function alive(info: LockInfo): boolean {
  if (info.hostname !== os.hostname()) return true; // another machine: cannot tell, assume it runs
  try {
    process.kill(info.pid, 0);
  } catch (e: unknown) {
    if (errCode(e) !== 'EPERM') return false;
  }
  if (info.procStart !== undefined) {
    const now = procStart(info.pid);
    if (now !== undefined && now !== info.procStart) return false; // the pid was reused
  }
  return true;
}

export type LockResult =
  | { readonly kind: 'locked'; release(): void }
  /** Another live run holds the lock. */
  | { readonly kind: 'busy'; readonly message: string }
  /** The lock file cannot be created (read-only folder): the run goes on without the state. */
  | { readonly kind: 'unavailable'; readonly message: string };

export function acquireLock(graphFile: string): LockResult {
  const file = `${stateBase(graphFile)}.lock`;
  const info: LockInfo = { pid: process.pid, startedAt: Date.now(), hostname: os.hostname(), ...(procStart(process.pid) !== undefined ? { procStart: procStart(process.pid) as string } : {}) };
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  } catch (e: unknown) {
    return { kind: 'unavailable', message: `cannot create ${path.dirname(file)} (${errText(e)})` };
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx');
      fs.writeSync(fd, JSON.stringify(info));
      fs.closeSync(fd);
      return {
        kind: 'locked',
        release: () => {
          try {
            const cur = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid?: unknown; startedAt?: unknown };
            if (cur.pid === info.pid && cur.startedAt === info.startedAt) fs.unlinkSync(file);
          } catch {
            // gone already
          }
        },
      };
    } catch (e: unknown) {
      if (errCode(e) !== 'EEXIST') return { kind: 'unavailable', message: `cannot create the lock ${file} (${errText(e)})` };
    }
    let other: LockInfo | undefined;
    try {
      const x: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (isObj(x) && typeof x['pid'] === 'number' && typeof x['startedAt'] === 'number' && typeof x['hostname'] === 'string') other = x as unknown as LockInfo;
    } catch (e: unknown) {
      if (errCode(e) === 'ENOENT') continue; // released meanwhile
    }
    if (other === undefined) {
      // Unreadable: a runner may be writing it this very moment; only an old one is garbage.
      let young = false;
      try {
        young = Date.now() - fs.statSync(file).mtimeMs < 5000;
      } catch {
        continue;
      }
      if (young) return { kind: 'busy', message: `another run of ${path.basename(graphFile)} is starting (lock: ${file})` };
    }
    if (other !== undefined && alive(other)) {
      const when = new Date(other.startedAt).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
      const where = other.hostname === os.hostname() ? '' : ` on ${other.hostname}`;
      return {
        kind: 'busy',
        message: `another run of ${path.basename(graphFile)} is in progress (pid ${other.pid}${where}, started ${when}); wait for it to finish or cancel it (lock: ${file})`,
      };
    }
    // Stale (its runner is gone) or unreadable garbage: take it over.
    try {
      fs.unlinkSync(file);
    } catch (e: unknown) {
      if (errCode(e) !== 'ENOENT') return { kind: 'unavailable', message: `cannot remove the stale lock ${file} (${errText(e)})` };
    }
  }
  return { kind: 'unavailable', message: `cannot take the lock ${file}` };
}
