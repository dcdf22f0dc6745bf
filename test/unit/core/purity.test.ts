import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';

const CORE = path.join(__dirname, '../../../src/core');

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Module specifiers of static imports/exports, dynamic import() and require(). */
export function specifiers(source: string): string[] {
  const out: string[] = [];
  const res = [
    /\b(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of res) for (const m of source.matchAll(re)) out.push(m[1]!);
  return out;
}

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

export function forbidden(spec: string): boolean {
  return spec === 'vscode' || spec.startsWith('vscode-languageserver') || spec.startsWith('vscode-languageclient') || spec.startsWith('node:') || builtins.has(spec) || builtins.has(spec.split('/')[0]!);
}

describe('src/core is pure', () => {
  it('the import scanner sees every import form', () => {
    const src = `import * as fs from 'fs';\nimport type { X } from "vscode";\nexport { y } from 'node:path';\nconst a = require('child_process');\nawait import('vscode-languageserver/node');\nimport './side-effect';`;
    assert.deepEqual(specifiers(src).sort(), ['./side-effect', 'child_process', 'fs', 'node:path', 'vscode', 'vscode-languageserver/node'].sort());
    assert.deepEqual(specifiers(src).filter(forbidden).sort(), ['child_process', 'fs', 'node:path', 'vscode', 'vscode-languageserver/node'].sort());
    assert.equal(forbidden('jsonc-parser'), false);
    assert.equal(forbidden('./model'), false);
  });

  it('no file in src/core imports vscode, the LSP libraries or a Node builtin', () => {
    const files = tsFiles(CORE);
    assert.ok(files.length >= 8, 'src/core not found');
    const bad: string[] = [];
    for (const f of files) {
      for (const s of specifiers(readFileSync(f, 'utf8'))) {
        if (forbidden(s)) bad.push(`${path.relative(CORE, f)}: ${s}`);
      }
    }
    assert.deepEqual(bad, []);
  });
});
