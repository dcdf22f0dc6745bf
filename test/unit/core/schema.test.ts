import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { getLanguageService, TextDocument, type JSONSchema } from 'vscode-json-languageservice';
import { DURATION_PATTERN, parseDuration } from '../../../src/core/duration';
import { ACTION_ID_PATTERN, ACTION_KEYS, DEFAULTS_KEYS, TOP_LEVEL_KEYS } from '../../../src/core/parse';

const ROOT = path.join(__dirname, '../../..');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const schema: any = JSON.parse(readFileSync(path.join(ROOT, 'schema/actiontree.schema.json'), 'utf8'));
const SCHEMA_URI = 'file:///schema/actiontree.schema.json';

async function schemaProblems(text: string): Promise<string[]> {
  const ls = getLanguageService({ schemaRequestService: async () => JSON.stringify(schema) });
  ls.configure({ validate: true, allowComments: true, schemas: [{ uri: SCHEMA_URI, fileMatch: ['*.actiontree.jsonc'], schema: schema as JSONSchema }] });
  const doc = TextDocument.create('file:///w/x.actiontree.jsonc', 'jsonc', 1, text);
  const json = ls.parseJSONDocument(doc);
  const diags = await ls.doValidation(doc, json, { trailingCommas: 'ignore', comments: 'ignore' });
  return diags.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`);
}

describe('JSON schema', () => {
  it('is draft-07 and describes every field of SPEC §1 with descriptions', () => {
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    assert.deepEqual(Object.keys(schema.properties).sort(), [...TOP_LEVEL_KEYS].sort());
    assert.deepEqual(Object.keys(schema.definitions.action.properties).sort(), [...ACTION_KEYS].sort());
    assert.deepEqual(Object.keys(schema.properties.defaults.properties).sort(), [...DEFAULTS_KEYS].sort());
    const all = [
      ...Object.entries(schema.properties).filter(([k]) => k !== '$schema'),
      ...Object.entries(schema.definitions.action.properties),
      ...Object.entries(schema.properties.defaults.properties),
    ] as [string, { description?: string; markdownDescription?: string }][];
    for (const [k, v] of all) {
      assert.ok(v.description && v.description.length > 5, `${k} has no description`);
      assert.ok(v.markdownDescription, `${k} has no markdownDescription`);
    }
    assert.equal(schema.additionalProperties, false);
    assert.equal(schema.definitions.action.additionalProperties, false);
  });

  it('uses the same id and duration patterns as the validator', () => {
    assert.equal(schema.properties.actions.propertyNames.pattern, ACTION_ID_PATTERN);
    const durationString = schema.definitions.action.properties.timeout.oneOf[1];
    assert.equal(durationString.pattern, DURATION_PATTERN);
    const re = new RegExp(durationString.pattern as string);
    for (const s of ['250ms', '30s', '1.5s', '5m', '1h', '1m30s', '5', '5 minutes', '30s1m', '', '1d']) {
      assert.equal(re.test(s), parseDuration(s).ok, s);
    }
  });

  it('accepts the SPEC example through vscode-json-languageservice', async () => {
    const text = readFileSync(path.join(ROOT, 'test/fixtures/core/spec-example.actiontree.jsonc'), 'utf8');
    assert.deepEqual(await schemaProblems(text), []);
  });

  it('accepts a matrix action and selectors in dependsOn (SPEC §10); flags an empty axis', async () => {
    const ok = `{
  "version": 1,
  "actions": {
    "test": {
      "command": "pytest --python \${matrix.python}",
      "matrix": { "python": ["3.11", 3.12], "os": ["linux"], "exclude": [{ "python": "3.11" }], "include": [{ "python": "3.13", "os": "linux" }] }
    },
    "report": { "command": "true", "dependsOn": ["test", "test[python=3.11]"] }
  }
}`;
    assert.deepEqual(await schemaProblems(ok), []);
    const bad = await schemaProblems(`{ "version": 1, "actions": { "t": { "command": "x", "matrix": { "a": [] } } } }`);
    assert.equal(bad.length, 1, bad.join('\n'));
  });

  it('flags wrong types, a bad id, an unknown property and a bad duration', async () => {
    const problems = await schemaProblems(`{
  "version": 2,
  "cpus": 0,
  "actions": {
    "bad id": { "command": "x" },
    "a": { "command": 1, "timeout": "5 minutes", "colour": 1 }
  }
}`);
    assert.equal(problems.length >= 5, true, problems.join('\n'));
    for (const line of ['2:', '3:', '5:', '6:']) assert.ok(problems.some((p) => p.startsWith(line)), `${line} not flagged: ${problems.join('\n')}`);
  });
});
