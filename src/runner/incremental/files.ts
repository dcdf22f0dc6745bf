import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';
import { resolveUnderRoot, splitNegation, unmatchableReason } from '../../core/incremental/globs';

/**
 * Files for incremental runs: glob expansion (picomatch semantics, `**`, `!` negation) inside
 * the graph file's folder (the "root"), and content hashes behind a stat cache.
 *
 * Paths handed out are relative to the root, with `/` separators. Synchronous on purpose: a
 * no-op run stats thousands of files, and a synchronous stat costs a few microseconds where a
 * promise round trip through the thread pool costs tens.
 */

/** Folders a glob never descends into unless the pattern names them literally. */
const SKIPPED_DIRS = new Set(['.git', '.actiontree']);

/** sha256 of the bytes, first 128 bits in hex: plenty to tell contents apart. */
export function contentHash(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 32);
}

/**
 * A stat-cache entry, one string (cheap to load and compare):
 * `size|mtimeMs|ctimeMs|ino|hash|hashedAt` — times in ms since the epoch with the fraction
 * the file system gives, `hashedAt` when the file was read.
 */
export type StatEntry = string;

const STAT_ENTRY = /^[0-9.]+\|[0-9.e+-]+\|[0-9.e+-]+\|[0-9]+\|[0-9a-f]{32}\|[0-9.]+$/;

export function isStatEntry(x: unknown): x is StatEntry {
  return typeof x === 'string' && STAT_ENTRY.test(x);
}

/**
 * A folder-listing cache entry, one string: `mtimeMs|ctimeMs|ino|listedAt|` then the entries
 * as `<kind><name>` joined with `/` (a name never holds one), kind `f` file, `d` folder, `l`
 * link, `o` other. Adding, removing or renaming an entry changes the folder's mtime, so a
 * listing whose folder times are unchanged (and older than the listing by more than the
 * time granularity, as for files) is reused without reading the folder.
 */
export type DirEntry = string;

const DIR_ENTRY = /^[0-9.e+-]+\|[0-9.e+-]+\|[0-9]+\|[0-9.]+\|/;

export function isDirEntry(x: unknown): x is DirEntry {
  return typeof x === 'string' && DIR_ENTRY.test(x);
}

/** One entry of a folder listing. */
interface Listed {
  readonly name: string;
  /** f file, d folder, l link, o other. */
  readonly kind: string;
}

/** The modification time is older than `at` by more than the file system's time granularity (not "racily clean"). */
function settled(mtimeMs: number, at: number): boolean {
  return mtimeMs < at - (mtimeMs % 1000 === 0 ? 2000 : 50);
}

export type HashResult = string | 'missing' | 'unreadable';

export interface Expansion {
  /** Matched files, sorted. */
  readonly files: string[];
  /** Files or folders that could not be read while matching (they make the action run). */
  readonly unreadable: string[];
  /** Positive patterns that matched no file, and patterns that can never match (with why). */
  readonly empty: { readonly pattern: string; readonly why?: string }[];
}

function errCode(e: unknown): string {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
}

export class FileSystemView {
  /** Directory listings, valid until `invalidate()` (called whenever an action finishes). */
  private dirs = new Map<string, Listed[] | 'unreadable' | 'missing'>();
  private readonly matchers = new Map<string, (p: string) => boolean>();
  /** How many files were read and hashed (the rest came from the stat cache). */
  hashed = 0;
  statCacheHits = 0;
  /** How many folders were read (the rest came from the listing cache). */
  listed = 0;

  constructor(
    readonly root: string,
    /** The stat cache (root-relative path -> entry); updated in place. */
    readonly stat: Map<string, StatEntry>,
    /** The folder-listing cache (root-relative folder -> entry); updated in place. */
    readonly dirCache: Map<string, DirEntry> = new Map(),
  ) {}

  invalidate(): void {
    this.dirs.clear();
  }

  /** The cwd of an action relative to the root (posix, '' = the root), or null when it is outside the root. */
  cwdRel(cwd: string | undefined): string | null {
    const key = cwd ?? '';
    let r = this.cwds.get(key);
    if (r === undefined) {
      r = this.computeCwdRel(cwd);
      this.cwds.set(key, r);
    }
    return r;
  }

  private readonly cwds = new Map<string, string | null>();

  private computeCwdRel(cwd: string | undefined): string | null {
    const abs = path.resolve(this.root, cwd ?? '.');
    const rel = path.relative(this.root, abs);
    if (rel === '') return '';
    if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
    return rel.split(path.sep).join('/');
  }

  /**
   * A matcher for a root-relative pattern. Compiled regular expressions are shared by glob
   * part: `in/a1/*.txt` and `in/a2/*.txt` test their literal base as a prefix and share the
   * compiled `*.txt` (compiling is what costs, and thousands of actions differ only in the base).
   */
  private matcher(rooted: string): (p: string) => boolean {
    const scan = this.scanOf(rooted);
    if (!scan.isGlob) return (p) => p === rooted;
    const glob = scan.glob;
    let m = this.matchers.get(glob);
    if (m === undefined) {
      m = picomatch(glob, { dot: true });
      this.matchers.set(glob, m);
    }
    const test = m;
    const base = scan.base;
    if (base === '') return test;
    const prefix = `${base}/`;
    return (p) => p.startsWith(prefix) && test(p.slice(prefix.length));
  }

  private readonly scans = new Map<string, { base: string; glob: string; isGlob: boolean }>();

  private scanOf(rooted: string): { base: string; glob: string; isGlob: boolean } {
    let sc = this.scans.get(rooted);
    if (sc === undefined) {
      const r = picomatch.scan(rooted);
      sc = { base: r.base, glob: r.glob, isGlob: r.isGlob };
      this.scans.set(rooted, sc);
    }
    return sc;
  }

  private list(dirRel: string): Listed[] | 'unreadable' | 'missing' {
    let l = this.dirs.get(dirRel);
    if (l === undefined) {
      l = this.readList(dirRel);
      this.dirs.set(dirRel, l);
    }
    return l;
  }

  private readList(dirRel: string): Listed[] | 'unreadable' | 'missing' {
    const abs = dirRel === '' ? this.root : path.join(this.root, dirRel);
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(abs, { throwIfNoEntry: false });
    } catch (e: unknown) {
      const c = errCode(e);
      return c === 'ENOENT' || c === 'ENOTDIR' ? 'missing' : 'unreadable';
    }
    if (st === undefined || !st.isDirectory()) return 'missing';
    const key = `${st.mtimeMs}|${st.ctimeMs}|${st.ino}|`;
    const cached = this.dirCache.get(dirRel);
    if (cached !== undefined && cached.startsWith(key)) {
      const bar = cached.indexOf('|', key.length);
      if (bar > 0 && settled(st.mtimeMs, Number(cached.slice(key.length, bar)))) {
        const body = cached.slice(bar + 1);
        return body === '' ? [] : body.split('/').map((x) => ({ kind: x.charAt(0), name: x.slice(1) }));
      }
    }
    const listedAt = Date.now();
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(abs, { withFileTypes: true });
    } catch (e: unknown) {
      const c = errCode(e);
      return c === 'ENOENT' || c === 'ENOTDIR' ? 'missing' : 'unreadable';
    }
    this.listed++;
    const out: Listed[] = entries.map((e) => ({ name: e.name, kind: e.isFile() ? 'f' : e.isDirectory() ? 'd' : e.isSymbolicLink() ? 'l' : 'o' }));
    this.dirCache.set(dirRel, `${key}${listedAt}|${out.map((e) => e.kind + e.name).join('/')}`);
    return out;
  }

  /**
   * Expands the patterns of one action (relative to `cwd`): the union of the positive ones
   * minus every file a `!` pattern matches. A pattern naming a folder means everything in it.
   */
  expand(patterns: readonly string[], cwd: string | undefined): Expansion {
    const files = new Set<string>();
    const unreadable: string[] = [];
    const empty: { pattern: string; why?: string }[] = [];
    const negatives: ((p: string) => boolean)[] = [];
    const base = this.cwdRel(cwd);
    for (const pattern of patterns) {
      const { negated, body } = splitNegation(pattern);
      const why = base === null ? `the action's cwd is outside the graph file's folder` : unmatchableReason(pattern, base);
      const segs = base === null || why !== undefined ? null : resolveUnderRoot(base, body);
      if (segs === null) {
        if (!negated) empty.push({ pattern, why: why ?? 'it can never match' });
        continue;
      }
      const rooted = segs.join('/');
      if (negated) {
        negatives.push(this.matcher(rooted));
        continue;
      }
      const before = files.size;
      const hadUnreadable = unreadable.length;
      this.expandOne(rooted, files, unreadable);
      if (files.size === before && unreadable.length === hadUnreadable) empty.push({ pattern });
    }
    let out = [...files];
    if (negatives.length > 0) out = out.filter((f) => !negatives.some((m) => m(f)));
    out.sort();
    return { files: out, unreadable, empty };
  }

  private expandOne(rooted: string, files: Set<string>, unreadable: string[]): void {
    const scan = this.scanOf(rooted);
    if (!scan.isGlob) {
      // A literal path: one file, or everything in a folder.
      const abs = path.join(this.root, rooted);
      let st: fs.Stats | undefined;
      try {
        st = fs.statSync(abs, { throwIfNoEntry: false });
      } catch {
        unreadable.push(rooted);
        return;
      }
      if (st === undefined) return;
      if (st.isDirectory()) this.walk(rooted, Infinity, () => true, files, unreadable);
      else files.add(rooted);
      return;
    }
    const baseDir = scan.base;
    const rest = scan.glob;
    const depth = rest.includes('**') ? Infinity : rest.split('/').length;
    this.walk(baseDir, depth, this.matcher(rooted), files, unreadable);
  }

  /** Files under `dirRel` (at most `depth` levels down) that `match` accepts. Symlinked folders are not entered. */
  private walk(dirRel: string, depth: number, match: (p: string) => boolean, files: Set<string>, unreadable: string[]): void {
    const stack: [string, number][] = [[dirRel, depth]];
    while (stack.length > 0) {
      const [dir, d] = stack.pop() as [string, number];
      const entries = this.list(dir);
      if (entries === 'missing') continue;
      if (entries === 'unreadable') {
        unreadable.push(dir === '' ? './' : `${dir}/`);
        continue;
      }
      for (const e of entries) {
        const rel = dir === '' ? e.name : `${dir}/${e.name}`;
        let isDir = e.kind === 'd';
        let isFile = e.kind === 'f';
        if (e.kind === 'l') {
          isDir = false; // never follow a link into a folder (no loops)
          try {
            const st = fs.statSync(path.join(this.root, rel), { throwIfNoEntry: false });
            isFile = st?.isFile() === true;
          } catch {
            // A link that cannot be followed (a loop, no permission): if it would match, it makes the action run.
            isFile = false;
            if (match(rel)) unreadable.push(rel);
          }
        }
        if (isDir) {
          if (d > 1 && !SKIPPED_DIRS.has(e.name)) stack.push([rel, d - 1]);
        } else if (isFile && match(rel)) files.add(rel);
      }
    }
  }

  /** Content hash of a root-relative file, through the stat cache. */
  hash(rel: string): HashResult {
    const abs = path.join(this.root, rel);
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(abs, { throwIfNoEntry: false });
    } catch {
      return 'unreadable';
    }
    if (st === undefined) return 'missing';
    if (!st.isFile()) return st.isDirectory() ? 'missing' : 'unreadable';
    // Times as ms with the fraction (microsecond precision in a double): plenty with size,
    // inode and ctime beside them, and a plain stat is cheaper than a bigint one.
    const key = `${st.size}|${st.mtimeMs}|${st.ctimeMs}|${st.ino}|`;
    const cached = this.stat.get(rel);
    if (cached !== undefined && cached.startsWith(key)) {
      // A file modified within the file system's time granularity of the moment it was hashed
      // could change again without its times changing ("racily clean", as git says): re-read it.
      const hashedAt = Number(cached.slice(key.length + 33));
      if (settled(st.mtimeMs, hashedAt)) {
        this.statCacheHits++;
        return cached.slice(key.length, key.length + 32);
      }
    }
    let data: Buffer;
    const hashedAt = Date.now();
    try {
      data = fs.readFileSync(abs);
    } catch (e: unknown) {
      return errCode(e) === 'ENOENT' ? 'missing' : 'unreadable';
    }
    this.hashed++;
    const h = contentHash(data);
    this.stat.set(rel, `${key}${h}|${hashedAt}`);
    return h;
  }
}
