/**
 * Reading files that may be hostile (committed run records, a graph file path taken from a
 * report) without blocking or exhausting memory: only regular files, never opened when they
 * are something else (a FIFO, a device, a socket, a folder), opened with O_NONBLOCK (a FIFO
 * swapped in between the check and the open cannot block `open()`), checked again with
 * fstat after the open, and refused above a size bound before a byte is read. At most the
 * size fstat reported is read, so a file that grows (or a /proc-like file) is bounded too.
 */
import * as fs from 'node:fs';

const C = fs.constants;
/** 0 where the platform has no such flag (Windows): there FIFOs are not files anyway. */
const O_NONBLOCK = typeof C.O_NONBLOCK === 'number' ? C.O_NONBLOCK : 0;
const O_NOFOLLOW = typeof C.O_NOFOLLOW === 'number' ? C.O_NOFOLLOW : 0;

export type ReadFailureKind = 'missing' | 'symlink' | 'not-regular' | 'too-large' | 'unreadable';

export type SafeRead =
  | { readonly ok: true; readonly bytes: Buffer; /** fstat size at open (may exceed bytes.length with `headBytes`). */ readonly size: number; readonly stat: FileSig }
  | { readonly ok: false; readonly kind: ReadFailureKind; /** Why, for a message: "it is a FIFO", "68 MB, limit 64 MB"… */ readonly reason: string; readonly size?: number };

/** What identifies one version of a file for caches: device, inode, size, mtime. */
export interface FileSig {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
}

export interface SafeReadOptions {
  /** Files larger than this are refused (kind 'too-large') unless `headBytes` is given. */
  readonly maxBytes: number;
  /** Read only the first `headBytes` bytes, whatever the file's size (still regular only). */
  readonly headBytes?: number;
  /** Follow a symbolic link at the last path component (graph files may be links; records not). */
  readonly followSymlinks?: boolean;
}

export function sigOf(st: fs.Stats): FileSig {
  return { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
}

export function sameSig(a: FileSig, b: FileSig): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/** "a FIFO", "a folder"… for messages. */
export function kindOfFile(st: fs.Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KiB`;
  return `${Math.round(n / (1024 * 1024))} MiB`;
}

function failure(e: unknown): Extract<SafeRead, { ok: false }> {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
  switch (code) {
    case 'ENOENT':
      return { ok: false, kind: 'missing', reason: 'no such file' };
    case 'ENOTDIR':
      return { ok: false, kind: 'missing', reason: 'a part of the path is not a folder' };
    case 'ELOOP':
      return { ok: false, kind: 'symlink', reason: 'it is a symbolic link (not followed)' };
    case 'EACCES':
    case 'EPERM':
      return { ok: false, kind: 'unreadable', reason: 'permission denied' };
    case 'ENAMETOOLONG':
      return { ok: false, kind: 'unreadable', reason: 'path too long' };
    default:
      return { ok: false, kind: 'unreadable', reason: e instanceof Error ? e.message : String(e) };
  }
}

/** Checks a stat of the path (before opening): regular, or why not. */
function check(st: fs.Stats, opts: SafeReadOptions): Extract<SafeRead, { ok: false }> | null {
  if (st.isSymbolicLink()) return { ok: false, kind: 'symlink', reason: 'it is a symbolic link (not followed)' };
  if (!st.isFile()) return { ok: false, kind: 'not-regular', reason: `it is ${kindOfFile(st)}` };
  if (opts.headBytes === undefined && st.size > opts.maxBytes) {
    return { ok: false, kind: 'too-large', reason: `it is too large (${formatBytes(st.size)}, limit ${formatBytes(opts.maxBytes)})`, size: st.size };
  }
  return null;
}

function flags(opts: SafeReadOptions): number {
  return C.O_RDONLY | O_NONBLOCK | (opts.followSymlinks === true ? 0 : O_NOFOLLOW);
}

/** Reads a regular file under the rules above. Never throws, never blocks on a FIFO. */
export async function readRegularFile(file: string, opts: SafeReadOptions): Promise<SafeRead> {
  let h: fs.promises.FileHandle | undefined;
  try {
    const pre = opts.followSymlinks === true ? await fs.promises.stat(file) : await fs.promises.lstat(file);
    const bad = check(pre, opts);
    if (bad) return bad;
    h = await fs.promises.open(file, flags(opts));
    const st = await h.stat();
    const bad2 = check(st, opts) ?? (st.ino !== pre.ino || st.dev !== pre.dev ? { ok: false as const, kind: 'unreadable' as const, reason: 'it changed while being opened' } : null);
    if (bad2) return bad2;
    const want = Math.min(st.size, opts.headBytes ?? opts.maxBytes);
    const buf = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await h.read(buf, got, want - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return { ok: true, bytes: got === want ? buf : buf.subarray(0, got), size: st.size, stat: sigOf(st) };
  } catch (e: unknown) {
    return failure(e);
  } finally {
    await h?.close().catch(() => undefined);
  }
}

/** The synchronous twin of readRegularFile (same rules). */
export function readRegularFileSync(file: string, opts: SafeReadOptions): SafeRead {
  let fd: number | undefined;
  try {
    const pre = opts.followSymlinks === true ? fs.statSync(file) : fs.lstatSync(file);
    const bad = check(pre, opts);
    if (bad) return bad;
    fd = fs.openSync(file, flags(opts));
    const st = fs.fstatSync(fd);
    const bad2 = check(st, opts) ?? (st.ino !== pre.ino || st.dev !== pre.dev ? { ok: false as const, kind: 'unreadable' as const, reason: 'it changed while being opened' } : null);
    if (bad2) return bad2;
    const want = Math.min(st.size, opts.headBytes ?? opts.maxBytes);
    const buf = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const n = fs.readSync(fd, buf, got, want - got, got);
      if (n === 0) break;
      got += n;
    }
    return { ok: true, bytes: got === want ? buf : buf.subarray(0, got), size: st.size, stat: sigOf(st) };
  } catch (e: unknown) {
    return failure(e);
  } finally {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // nothing to do
      }
    }
  }
}

/** UTF-8 text of a read, without a leading byte order mark. */
export function textOf(bytes: Buffer): string {
  const t = bytes.toString('utf8');
  return t.charCodeAt(0) === 0xfeff ? t.slice(1) : t;
}
