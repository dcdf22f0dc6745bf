import * as assert from 'node:assert/strict';
import { analyzeText } from '../../../src/core/analyze';
import { planRun } from '../../../src/core/run/plan';
import { DEFAULT_READY_TIMEOUT_MS } from '../../../src/core/service';

/** SPEC §10: the `service` field — model and diagnostics with exact ranges. */

function graph(service: string): string {
  return `{ "version": 1, "actions": { "db": { "command": "serve", "service": ${service} }, "t": { "command": "t", "dependsOn": ["db"] } } }`;
}

function diags(text: string): { code: string; severity: string; message: string; at: string }[] {
  return analyzeText(text).diagnostics.map((d) => ({ code: d.code, severity: d.severity, message: d.message, at: text.slice(d.span.offset, d.span.offset + d.span.length) }));
}

describe('service field (SPEC §10)', () => {
  it('parses each probe kind and readyTimeout into the model and the job', () => {
    const cases: [string, unknown][] = [
      ['{ "readyWhen": { "logMatches": "listening on \\\\d+" } }', { kind: 'log', pattern: 'listening on \\d+' }],
      ['{ "readyWhen": { "port": 5432 } }', { kind: 'port', port: 5432 }],
      ['{ "readyWhen": { "http": "http://127.0.0.1:8080/health" } }', { kind: 'http', url: 'http://127.0.0.1:8080/health' }],
      ['{ "readyWhen": { "file": "ready.flag" } }', { kind: 'file', path: 'ready.flag' }],
    ];
    for (const [src, probe] of cases) {
      const text = graph(src);
      assert.deepEqual(diags(text), [], src);
      const a = analyzeText(text).graph.byId.get('db');
      assert.deepEqual(a?.service, { readyWhen: probe, readyTimeoutMs: DEFAULT_READY_TIMEOUT_MS }, src);
    }
    const text = graph('{ "readyWhen": { "port": 80 }, "readyTimeout": "2m" }');
    const g = analyzeText(text).graph;
    assert.equal(g.byId.get('db')?.service?.readyTimeoutMs, 120_000);
    const plan = planRun(g, [], new Map());
    assert.deepEqual(plan.jobs.find((j) => j.id === 'db')?.service, { readyWhen: { kind: 'port', port: 80 }, readyTimeoutMs: 120_000 });
    assert.equal(plan.jobs.find((j) => j.id === 't')?.service, undefined);
  });

  it('an unknown probe kind is an error on its key, with a suggestion', () => {
    const d = diags(graph('{ "readyWhen": { "logMatch": "x" } }'));
    assert.deepEqual(d, [
      {
        code: 'invalid-service',
        severity: 'error',
        message: `action 'db': unknown readiness probe 'logMatch'; use "logMatches", "port", "http" or "file" (did you mean 'logMatches'?)`,
        at: '"logMatch"',
      },
    ]);
  });

  it('several probes: an error on each extra probe, pointing back at the first', () => {
    const text = graph('{ "readyWhen": { "port": 1, "file": "f" } }');
    const r = analyzeText(text).diagnostics;
    assert.equal(r.length, 1);
    assert.equal(r[0]?.code, 'invalid-service');
    assert.equal(text.slice(r[0]!.span.offset, r[0]!.span.offset + r[0]!.span.length), '"file"');
    assert.match(r[0]!.message, /takes one probe, but has 'port' and 'file' too/);
    assert.equal(text.slice(r[0]!.related[0]!.span.offset, r[0]!.related[0]!.span.offset + r[0]!.related[0]!.span.length), '"port"');
    assert.equal(analyzeText(text).graph.byId.get('db')?.service, undefined);
  });

  it('several probes with bad values: the problem of each value is reported too, not only the extra probes', () => {
    const text = graph('{ "readyWhen": { "port": 0, "http": "ftp://x/", "logMatches": "(" } }');
    const d = diags(text);
    assert.deepEqual(
      d.map((x) => x.at),
      ['0', '"http"', '"ftp://x/"', '"logMatches"', '"("'],
      JSON.stringify(d),
    );
    assert.match(d[0]!.message, /'port' 0 is out of range/);
    assert.match(d[1]!.message, /takes one probe, but has 'port' and 'http' too/);
    assert.match(d[2]!.message, /must be an http:\/\/ or https:\/\/ URL/);
    assert.match(d[3]!.message, /takes one probe, but has 'port' and 'logMatches' too/);
    assert.match(d[4]!.message, /not a valid regular expression/);
    assert.equal(analyzeText(text).graph.byId.get('db')?.service, undefined);
  });

  it('a bad regex, a bad URL, a port out of range, wrong types: errors on the value', () => {
    const expect = (src: string, at: string, re: RegExp): void => {
      const d = diags(graph(src));
      assert.equal(d.length, 1, `${src}: ${JSON.stringify(d)}`);
      assert.equal(d[0]?.at, at, src);
      assert.match(d[0]!.message, re, src);
      assert.equal(d[0]?.severity, 'error');
    };
    expect('{ "readyWhen": { "logMatches": "listening (" } }', '"listening ("', /not a valid regular expression/);
    expect('{ "readyWhen": { "logMatches": "" } }', '""', /is empty/);
    expect('{ "readyWhen": { "http": "not a url" } }', '"not a url"', /is not a valid URL/);
    expect('{ "readyWhen": { "http": "ftp://127.0.0.1/x" } }', '"ftp://127.0.0.1/x"', /must be an http:\/\/ or https:\/\/ URL/);
    expect('{ "readyWhen": { "port": 70000 } }', '70000', /'port' 70000 is out of range: a TCP port is from 1 to 65535/);
    expect('{ "readyWhen": { "port": 0 } }', '0', /out of range/);
    expect('{ "readyWhen": { "port": "5432" } }', '"5432"', /'port' must be an integer from 1 to 65535/);
    expect('{ "readyWhen": { "port": 80.5 } }', '80.5', /'port' must be an integer/);
    expect('{ "readyWhen": { "file": "" } }', '""', /'file' is empty/);
    expect('{ "readyWhen": { "port": 1 }, "readyTimeout": "soon" }', '"soon"', /'readyTimeout': invalid duration/);
    expect('{ "readyWhen": {} }', '{}', /'readyWhen' is empty/);
    expect('{ "readyWhen": "listening" }', '"listening"', /'readyWhen' must be an object/);
    expect('true', 'true', /'service' must be an object/);
    expect('{}', '{}', /a service needs 'readyWhen'/);
  });

  it('an unknown key inside service is a warning with a suggestion; service in defaults is not allowed', () => {
    const d = diags(graph('{ "readyWhen": { "port": 1 }, "readyTimout": "5s" }'));
    assert.deepEqual(d.map((x) => [x.severity, x.at]), [['warning', '"readyTimout"']]);
    assert.match(d[0]!.message, /did you mean 'readyTimeout'/);
    const text = `{ "version": 1, "defaults": { "service": { "readyWhen": { "port": 1 } } }, "actions": { "a": { "command": "x" } } }`;
    const dd = diags(text);
    assert.deepEqual(dd, [{ code: 'schema', severity: 'error', message: `'service' cannot be set in defaults: mark each service action itself`, at: '"service"' }]);
    assert.equal(analyzeText(text).graph.byId.get('a')?.service, undefined);
  });
});
