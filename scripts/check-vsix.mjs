#!/usr/bin/env node
// Packages the extension and checks the .vsix: at most 1 MB, only allow-listed files, and every
// file the manifest points at is inside.
//
//   node scripts/check-vsix.mjs [--out FILE.vsix]     (default: test-results/actiontree.vsix)
//
// Works on a temporary copy of the repository (its own clean dist/, node_modules linked), so
// it never touches the working tree's dist/: `vsce package --no-dependencies` runs the
// manifest's `vscode:prepublish` (production esbuild) there.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MAX_BYTES = 1024 * 1024;

/** What may be in the package (paths inside `extension/`), mirroring .vscodeignore. */
const ALLOWED = [
  /^package\.json$/,
  /^README\.md$/i, // vsce writes its processed copy as readme.md
  /^LICENSE(\.txt|\.md)?$/,
  /^CHANGELOG\.md$/,
  /^language-configuration\.json$/,
  /^dist\/.+$/,
  /^syntaxes\/.+\.json$/,
  /^schema\/.+\.json$/,
  /^media\/.+$/,
  /^bin\/[^/]+\.js$/,
];
/** Never, even under an allowed folder. */
const FORBIDDEN = [/\.map$/, /(^|\/)node_modules\//, /^src\//, /^test\//, /\.ts$/, /(^|\/)\.[^/]+$/, /\.vsix$/, /\.log$/];
/** Files of the vsix container itself. */
const CONTAINER = new Set(['[Content_Types].xml', 'extension.vsixmanifest']);

/** Lists a zip's entries (name, compressed and uncompressed size) from its central directory. */
export function zipEntries(buf) {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip file (no end of central directory)');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = buf.readUInt16LE(p + 10);
    const csize = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const localOffset = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    out.push({ name, size, csize, method, localOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

function readEntry(buf, e) {
  const p = e.localOffset;
  const start = p + 30 + buf.readUInt16LE(p + 26) + buf.readUInt16LE(p + 28);
  const data = buf.subarray(start, start + e.csize);
  return e.method === 0 ? data : inflateRawSync(data);
}

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, status: r.status ?? r.signal };
}

/** Files the manifest refers to, relative to the extension root. */
function manifestReferences(pkg) {
  const refs = [];
  const add = (p) => {
    if (typeof p === 'string' && !/^[a-z]+:/i.test(p) && !p.startsWith('$(')) refs.push(path.posix.normalize(p.replace(/^\.\//, '')));
  };
  add(pkg.main);
  add(pkg.browser);
  add(pkg.icon);
  for (const b of Object.values(typeof pkg.bin === 'string' ? { x: pkg.bin } : (pkg.bin ?? {}))) add(b);
  const c = pkg.contributes ?? {};
  for (const l of c.languages ?? []) {
    add(l.configuration);
    if (l.icon) {
      add(l.icon.light);
      add(l.icon.dark);
    }
  }
  for (const g of c.grammars ?? []) add(g.path);
  for (const j of c.jsonValidation ?? []) add(j.url);
  for (const list of Object.values(c.viewsContainers ?? {})) for (const v of list) add(v.icon);
  for (const list of Object.values(c.views ?? {})) for (const v of list) if (typeof v.icon === 'string') add(v.icon);
  for (const cmd of c.commands ?? []) {
    if (cmd.icon && typeof cmd.icon === 'object') {
      add(cmd.icon.light);
      add(cmd.icon.dark);
    } else add(cmd.icon);
  }
  return [...new Set(refs)];
}

function main() {
  const t0 = Date.now();
  const argv = process.argv.slice(2);
  const outIdx = argv.indexOf('--out');
  const outFile = path.resolve(outIdx >= 0 ? argv[outIdx + 1] : path.join(ROOT, 'test-results', 'actiontree.vsix'));
  const problems = [];

  // 1. A clean copy of the repository with node_modules linked.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'actiontree-vsix-'));
  const work = path.join(tmp, 'actiontree');
  const skipTop = new Set(['node_modules', '.git', '.vscode-test', 'dist', 'out', 'test-results', '.actiontree']);
  try {
    fs.cpSync(ROOT, work, {
      recursive: true,
      filter: (src) => {
        const rel = path.relative(ROOT, src);
        if (rel === '') return true;
        const top = rel.split(path.sep)[0];
        return !skipTop.has(top) && !rel.endsWith('.vsix');
      },
    });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(work, 'node_modules'), 'dir');

    // 2. Production build (explicitly, for a clear error), then vsce (runs vscode:prepublish too).
    const build = run(process.execPath, ['esbuild.mjs', '--production'], work);
    if (!build.ok) throw new Error(`production build failed (exit ${build.status}):\n${build.out}`);
    const vsixTmp = path.join(tmp, 'actiontree.vsix');
    const vsce = path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
    const pack = run(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', vsixTmp], work);
    if (!pack.ok || !fs.existsSync(vsixTmp)) throw new Error(`vsce package failed (exit ${pack.status}):\n${pack.out}`);
    for (const line of pack.out.split('\n')) if (/WARNING|warn/i.test(line)) console.log(`vsce: ${line.trim()}`);

    // 3. Inspect the package.
    const buf = fs.readFileSync(vsixTmp);
    const entries = zipEntries(buf);
    const files = [];
    for (const e of entries) {
      if (e.name.endsWith('/')) continue;
      if (CONTAINER.has(e.name)) continue;
      if (!e.name.startsWith('extension/')) {
        problems.push(`unexpected entry outside extension/: ${e.name}`);
        continue;
      }
      files.push({ ...e, rel: e.name.slice('extension/'.length) });
    }
    files.sort((a, b) => a.rel.localeCompare(b.rel));
    console.log(`vsix contents (${files.length} files):`);
    for (const f of files) console.log(`  ${String(f.size).padStart(9)}  ${f.rel}`);
    for (const f of files) {
      if (FORBIDDEN.some((re) => re.test(f.rel))) problems.push(`forbidden file in the package: ${f.rel}`);
      else if (!ALLOWED.some((re) => re.test(f.rel))) problems.push(`file outside the allow-list: ${f.rel}`);
    }
    const names = new Set(files.map((f) => f.rel));
    const pkgEntry = files.find((f) => f.rel === 'package.json');
    if (!pkgEntry) problems.push('package.json missing from the package');
    else {
      const pkg = JSON.parse(readEntry(buf, pkgEntry).toString('utf8'));
      for (const ref of manifestReferences(pkg)) {
        if (!names.has(ref)) problems.push(`package.json refers to ${ref}, which is not in the package`);
      }
    }
    for (const need of ['dist/extension.js', 'dist/server.js', 'LICENSE']) {
      if (![...names].some((n) => n === need || n.startsWith(`${need}.`))) problems.push(`${need} missing from the package`);
    }
    const size = buf.length;
    console.log(`vsix size: ${size} bytes (${(size / 1024).toFixed(1)} KiB; limit ${MAX_BYTES / 1024} KiB)`);
    if (size > MAX_BYTES) problems.push(`the package is ${size} bytes, over the 1 MB limit`);
    fs.mkdirSync(path.dirname(outFile), { recursive: true });
    fs.copyFileSync(vsixTmp, outFile);
    console.log(`vsix written to ${path.relative(process.cwd(), outFile) || outFile}`);
  } catch (e) {
    problems.push(e instanceof Error ? e.message : String(e));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`[check-vsix took ${((Date.now() - t0) / 1000).toFixed(1)} s]`);
  if (problems.length > 0) {
    for (const p of problems) console.log(`check-vsix: FAIL: ${p}`);
    return 1;
  }
  console.log('check-vsix: OK');
  return 0;
}

process.exit(main());
