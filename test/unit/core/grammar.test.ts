import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '../../..');
type Rule = { [k: string]: any };
const grammar = JSON.parse(readFileSync(path.join(ROOT, 'syntaxes/actiontree.tmLanguage.json'), 'utf8')) as Rule;
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Rule;

function walk(rule: unknown, visit: (r: Rule) => void): void {
  if (Array.isArray(rule)) for (const r of rule) walk(r, visit);
  else if (rule && typeof rule === 'object') {
    visit(rule as Rule);
    for (const v of Object.values(rule)) walk(v, visit);
  }
}

describe('TextMate grammar', () => {
  it('is the grammar package.json contributes, for the actiontree language', () => {
    assert.equal(grammar.scopeName, 'source.actiontree');
    const contrib = (pkg.contributes.grammars as Rule[]).find((g) => g.language === 'actiontree');
    assert.equal(contrib?.scopeName, 'source.actiontree');
    assert.equal(path.normalize(contrib?.path), path.normalize('./syntaxes/actiontree.tmLanguage.json'));
  });

  it('every include resolves and every regex compiles', () => {
    const includes: string[] = [];
    const regexes: string[] = [];
    walk(grammar, (r) => {
      if (typeof r.include === 'string') includes.push(r.include);
      for (const k of ['match', 'begin', 'end']) if (typeof r[k] === 'string') regexes.push(r[k]);
    });
    assert.ok(includes.length > 10);
    for (const inc of includes) {
      assert.ok(inc.startsWith('#'), inc);
      assert.ok(grammar.repository[inc.slice(1)], `unresolved include ${inc}`);
    }
    for (const re of regexes) assert.doesNotThrow(() => new RegExp(re), re);
  });

  it('marks action ids and dependsOn references with their own scopes', () => {
    const names: string[] = [];
    walk(grammar, (r) => {
      if (typeof r.name === 'string') names.push(r.name);
    });
    assert.ok(names.some((n) => n.split(' ').includes('entity.name.function.action.actiontree')));
    assert.ok(names.some((n) => n.split(' ').includes('variable.other.dependency.actiontree')));
    assert.ok(names.includes('comment.line.double-slash.js'));
    assert.ok(names.includes('comment.block.json.comments'));
  });

  it('the actions and dependsOn rules open on the usual one-line forms', () => {
    const actions = new RegExp(grammar.repository['actions-property'].begin);
    const deps = new RegExp(grammar.repository['depends-on-property'].begin);
    assert.ok(actions.test('  "actions": {'));
    assert.ok(actions.test('"actions":{"a":{}}'));
    assert.ok(!actions.test('  "actions": 1'));
    assert.ok(deps.test('"dependsOn": ["lint", "build"]'));
    assert.ok(deps.test('"dependsOn":['));
    assert.ok(!deps.test('"dependsOn": "x"'));
    // trailing commas are not an error in the grammar: a separator may precede a closing bracket
    const obj = grammar.repository.object.patterns as Rule[];
    assert.ok(obj.some((p) => p.match === ',' && p.name === 'punctuation.separator.dictionary.pair.json'));
  });
});
