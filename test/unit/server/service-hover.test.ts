import * as assert from 'node:assert/strict';
import { analyzeText } from '../../../src/core/analyze';
import { actionMarkdown } from '../../../src/server/features/hover';

/** SPEC §10: the hover on a service says when it is ready and that it is stopped after its dependents. */
describe('hover: services', () => {
  const hover = (service: string): string => {
    const g = analyzeText(`{ "version": 1, "actions": { "db": { "command": "serve", "service": ${service} } } }`).graph;
    return actionMarkdown(g.byId.get('db')!, undefined);
  };
  it('names the probe and the readiness timeout', () => {
    assert.match(hover('{ "readyWhen": { "logMatches": "listening on" } }'), /Service — ready when a line of its output matches `listening on` \(within 30s\); its dependents start then, and it is stopped once they are done/);
    assert.match(hover('{ "readyWhen": { "port": 5432 }, "readyTimeout": "2m" }'), /ready when 127\.0\.0\.1:5432 accepts connections \(within 2m\)/);
    assert.match(hover('{ "readyWhen": { "http": "http://127.0.0.1:8080/health" } }'), /ready when `http:\/\/127\.0\.0\.1:8080\/health` answers 2xx\/3xx/);
    assert.match(hover('{ "readyWhen": { "file": "ready.flag" } }'), /ready when `ready\.flag` appears/);
  });
  it('no service line for a plain action', () => {
    const g = analyzeText(`{ "version": 1, "actions": { "a": { "command": "x" } } }`).graph;
    assert.doesNotMatch(actionMarkdown(g.byId.get('a')!, undefined), /Service/);
  });
});
