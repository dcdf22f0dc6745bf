import assert from 'node:assert/strict';
import { analyzeText } from '../../../src/core/analyze';
import { formatBytes, parseBytes } from '../../../src/core/limits';

/** Diagnostics as `code severity 'covered text': message`. */
function diags(text: string): string[] {
  return analyzeText(text).diagnostics.map((d) => `${d.code} ${d.severity} '${text.slice(d.span.offset, d.span.offset + d.span.length)}': ${d.message}`);
}

describe('limits (SPEC §8): parsing and diagnostics', () => {
  it('parseBytes: units are powers of 1024; bad strings are refused with a reason', () => {
    assert.deepEqual(parseBytes('512M'), { ok: true, bytes: 512 * 1024 ** 2 });
    assert.deepEqual(parseBytes('1.5G'), { ok: true, bytes: 1.5 * 1024 ** 3 });
    assert.deepEqual(parseBytes('16GiB'), { ok: true, bytes: 16 * 1024 ** 3 });
    assert.deepEqual(parseBytes('100k'), { ok: true, bytes: 102400 });
    assert.deepEqual(parseBytes(4096), { ok: true, bytes: 4096 });
    const twoGb = parseBytes('2 GB');
    assert.equal(twoGb.ok, false);
    assert.match(!twoGb.ok ? twoGb.message : '', /no space between the number and the unit; use e.g. "2G"/);
    const neg = parseBytes('-1M');
    assert.match(!neg.ok ? neg.message : '', /cannot be negative/);
    for (const bad of ['', 'M', '1X', '1e9', 'lots', '1.2.3G']) assert.equal(parseBytes(bad).ok, false, bad);
    assert.equal(parseBytes(-5).ok, false);
  });

  it('formatBytes', () => {
    assert.equal(formatBytes(1024 ** 3), '1 GiB');
    assert.equal(formatBytes(1.2 * 1024 ** 3), '1.2 GiB');
    assert.equal(formatBytes(512 * 1024 ** 2), '512 MiB');
    assert.equal(formatBytes(12), '12 B');
  });

  it('a full §8 file validates without diagnostics and lands in the model', () => {
    const text = `{
  "version": 1, "memory": "auto", "timeout": "30m", "maxLoad": 4, "minFreeMemory": "2G", "cpuAffinity": true,
  "groups": { "tests": { "timeout": "10m", "description": "the tests" } },
  "defaults": { "retryOn": ["timeout"] },
  "actions": {
    "train": { "command": "x", "memory": "6G", "memoryLimit": "8G", "group": "tests", "retries": 2, "retryDelay": "2s" },
    "plain": { "command": "y" }
  }
}`;
    const a = analyzeText(text);
    assert.deepEqual(a.diagnostics, []);
    const l = a.graph.limits!;
    assert.equal(l.memory, 'auto');
    assert.equal(l.timeoutMs, 30 * 60_000);
    assert.equal(l.maxLoad, 4);
    assert.equal(l.minFreeMemory, 2 * 1024 ** 3);
    assert.equal(l.cpuAffinity, true);
    assert.deepEqual(l.groups.map((g) => [g.name, g.timeoutMs, g.description]), [['tests', 600_000, 'the tests']]);
    const train = a.graph.byId.get('train')!;
    assert.deepEqual(train.limits, { memory: 6 * 1024 ** 3, memoryLimit: 8 * 1024 ** 3, group: 'tests', retryOn: ['timeout'], retryDelayMs: 2000 });
    assert.deepEqual(a.graph.byId.get('plain')!.limits, { retryOn: ['timeout'] });
  });

  it('bad input: diagnostics with precise ranges, never a silent default', () => {
    const text = `{
  "version": 1, "memory": "2 GB", "timeout": "soon", "maxLoad": 0, "minFreeMemory": "-1M", "cpuAffinity": "yes",
  "groups": { "tests": { "timeout": "1x", "colour": 1 } },
  "actions": {
    "a": { "command": "x", "memory": "-1M", "memoryLimit": "100K", "group": "test", "retryOn": ["timout", 3], "retryDelay": "2s" },
    "b": { "command": "x", "group": "nope", "retries": 1, "retryDelay": "0s" }
  }
}`;
    const d = diags(text);
    const has = (re: RegExp): void => assert.ok(d.some((x) => re.test(x)), `no diagnostic ${re}:\n${d.join('\n')}`);
    has(/^schema error '"2 GB"': 'memory': invalid memory size "2 GB": no space/);
    has(/^schema error '"soon"': 'timeout' \(the whole run\): invalid duration/);
    has(/^schema error '0': 'maxLoad' must be a number > 0/);
    has(/^schema error '"-1M"': 'minFreeMemory': a memory size cannot be negative/);
    has(/^schema error '"yes"': 'cpuAffinity' must be true or false/);
    has(/^schema error '"1x"': group 'tests': 'timeout': invalid duration/);
    has(/^schema warning '"colour"': unknown property 'colour' in group 'tests'/);
    has(/^schema error '"-1M"': action 'a': 'memory': a memory size cannot be negative/);
    has(/^schema error '"100K"': action 'a': 'memoryLimit' 100 KiB is smaller than any process needs to start/);
    has(/^unknown-group error '"test"': action 'a' is in group 'test', which is not declared in the top-level 'groups'; did you mean 'tests'\?/);
    has(/^schema error '"timout"': action 'a': 'retryOn' entries must be "failure", "timeout" or "memory", got .*did you mean 'timeout'\?/);
    has(/^schema error '3': action 'a': 'retryOn' entries/);
    has(/^schema warning '"2s"': action 'a': 'retryDelay' has no effect without 'retries'/);
    has(/^unknown-group error '"nope"': action 'b' is in group 'nope'/);
    has(/^schema error '"0s"': action 'b': 'retryDelay': a duration must be positive/);
  });

  it('bad input in defaults and the graph capacity (issue 10 list): each a diagnostic on its value', () => {
    assert.deepEqual(diags(`{ "version": 1, "memory": "100K", "actions": { "a": { "command": "x" } } }`), [
      `schema error '"100K"': 'memory' capacity 100 KiB is smaller than any process needs (at least 1M)`,
    ]);
    assert.deepEqual(diags(`{ "version": 1, "actions": { "a": { "command": "x", "memoryLimit": 1000 } } }`), [
      `schema error '1000': action 'a': 'memoryLimit' 1000 B is smaller than any process needs to start (at least 1M)`,
    ]);
    assert.deepEqual(diags(`{ "version": 1, "defaults": { "memoryLimit": "100K", "memory": "2 GB", "group": "g", "retryDelay": "1s" }, "actions": { "a": { "command": "x" } } }`), [
      `schema error '"100K"': defaults: 'memoryLimit' 100 KiB is smaller than any process needs to start (at least 1M)`,
      `schema error '"2 GB"': defaults: 'memory': invalid memory size "2 GB": no space between the number and the unit; use e.g. "2G"`,
      `unknown-group error '"g"': defaults is in group 'g', which is not declared in the top-level 'groups' (the graph declares no groups)`,
      `schema warning '"1s"': defaults: 'retryDelay' has no effect: no action has 'retries' (each action is attempted once)`,
    ]);
    // retryDelay in defaults is used as soon as one action retries; a bad one is only its own error.
    assert.deepEqual(diags(`{ "version": 1, "defaults": { "retryDelay": "1s" }, "actions": { "a": { "command": "x", "retries": 1 }, "b": { "command": "y" } } }`), []);
    assert.deepEqual(diags(`{ "version": 1, "defaults": { "retryDelay": "0s" }, "actions": { "a": { "command": "x" } } }`), [
      `schema error '"0s"': defaults: 'retryDelay': a duration must be positive, got "0s"`,
    ]);
  });

  it('an action needing more memory than the capacity: over-capacity warning (it runs alone)', () => {
    const d = diags(`{ "version": 1, "memory": "1G", "actions": { "big": { "command": "x", "memory": "2G" } } }`);
    assert.deepEqual(d, ["over-capacity warning '\"2G\"': action 'big' needs 2 GiB of memory but the graph's 'memory' capacity is 1 GiB; it will run alone"]);
  });

  it('a group when the graph declares none', () => {
    const d = diags(`{ "version": 1, "actions": { "a": { "command": "x", "group": "g" } } }`);
    assert.deepEqual(d, ["unknown-group error '\"g\"': action 'a' is in group 'g', which is not declared in the top-level 'groups' (the graph declares no groups)"]);
  });
});
