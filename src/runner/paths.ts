import { createHash, randomBytes } from 'node:crypto';
import * as path from 'node:path';

/** `.actiontree/runs` beside the graph file. */
export function runsDir(graphFile: string): string {
  return path.join(path.dirname(graphFile), '.actiontree', 'runs');
}

/** Longest log file name kept as the plain escaped id (NAME_MAX is 255 bytes on common file systems). */
export const LOG_NAME_MAX = 200;

/**
 * File-safe, injective, bounded name for an action's log. Ids are `[A-Za-z0-9_.:/-]+`, so
 * `/` -> `%2F` and `:` -> `%3A` cannot collide (`%` is not allowed in ids); anything else
 * outside `[A-Za-z0-9_.-]` (ids from a broken graph) is percent-encoded too (UTF-8 bytes). When that name
 * would be longer than LOG_NAME_MAX, it is cut to a prefix (never inside a `%XX`) plus `~`
 * and 16 hex digits of the SHA-256 of the whole id: `~` never appears in an escaped id, so a
 * shortened name cannot equal a plain one, and two long ids that share the prefix differ in
 * the hash. Plain names are unchanged from earlier versions.
 */
export function logFileName(id: string): string {
  const parts: string[] = [];
  let length = 0;
  for (const m of id.matchAll(/[A-Za-z0-9_.-]+|[^A-Za-z0-9_.-]/gsu)) {
    const t = m[0];
    const part = /^[A-Za-z0-9_.-]/.test(t) ? t : escapeChar(t);
    parts.push(part);
    length += part.length;
  }
  if (length + 4 <= LOG_NAME_MAX) return `${parts.join('')}.log`;
  const hash = createHash('sha256').update(id, 'utf8').digest('hex').slice(0, 16);
  const budget = LOG_NAME_MAX - 4 - 17;
  let prefix = '';
  for (const part of parts) {
    if (prefix.length + part.length <= budget) {
      prefix += part;
      continue;
    }
    // Cut plain text anywhere, an escape never.
    if (part[0] !== '%') prefix += part.slice(0, budget - prefix.length);
    break;
  }
  return `${prefix}~${hash}.log`;
}

/** `%XX` per UTF-8 byte (`/` -> `%2F`); a lone surrogate (invalid UTF-16) as `%uXXXX`. */
function escapeChar(c: string): string {
  const code = c.codePointAt(0) as number;
  if (code >= 0xd800 && code <= 0xdfff) return `%u${code.toString(16).toUpperCase()}`;
  let out = '';
  for (const b of Buffer.from(c, 'utf8')) out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  return out;
}

/** `20261121T140322.123Z-ab12`: sorts by start time; 4 random hex digits keep parallel runs apart. */
export function newRunId(now: Date = new Date()): string {
  const iso = now.toISOString().replace(/[-:]/g, ''); // 20261121T140322.123Z
  return `${iso}-${randomBytes(2).toString('hex')}`;
}
