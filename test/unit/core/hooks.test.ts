import assert from 'node:assert/strict';
import { analyzeText } from '../../../src/core/analyze';
import { DEFAULT_HOOK_TIMEOUT_MS } from '../../../src/core/hooks';
import { reduceRun, initialRunState } from '../../../src/core/run/state';
import { parseWorkerMessage } from '../../../src/shared/runner-protocol';

/** Diagnostics as `code severity 'covered text': message`. */
function diags(text: string): string[] {
  return analyzeText(text).diagnostics.map((d) => `${d.code} ${d.severity} '${text.slice(d.span.offset, d.span.offset + d.span.length)}': ${d.message}`);
}

describe('hooks (SPEC §10): parsing and diagnostics', () => {
  it('a full hooks block validates without diagnostics and lands in the model with defaults.env', () => {
    const text = `{
  "version": 1,
  "defaults": { "env": { "A": "1" } },
  "hooks": { "onRunStarted": "echo start", "onActionFinished": "notify-send \\"$ACTIONTREE_ACTION\\"", "onRunFinished": "echo done" },
  "hookTimeout": "5s",
  "actions": { "a": { "command": "x" } }
}`;
    const a = analyzeText(text);
    assert.deepEqual(a.diagnostics, []);
    const h = a.graph.hooks!;
    assert.deepEqual(
      Object.fromEntries(Object.entries(h.commands).map(([k, v]) => [k, v.command])),
      { onRunStarted: 'echo start', onActionFinished: 'notify-send "$ACTIONTREE_ACTION"', onRunFinished: 'echo done' },
    );
    assert.equal(text.slice(h.commands.onRunStarted!.span.offset, h.commands.onRunStarted!.span.offset + h.commands.onRunStarted!.span.length), '"echo start"');
    assert.equal(h.timeoutMs, 5000);
    assert.deepEqual(h.env, { A: '1' });
  });

  it('hookTimeout defaults to 30 s; no hooks block: no hooks in the model', () => {
    assert.equal(analyzeText(`{ "version": 1, "hooks": { "onRunFinished": "x" }, "actions": {} }`).graph.hooks?.timeoutMs, DEFAULT_HOOK_TIMEOUT_MS);
    assert.equal(DEFAULT_HOOK_TIMEOUT_MS, 30_000);
    assert.equal(analyzeText(`{ "version": 1, "actions": { "a": { "command": "x" } } }`).graph.hooks, undefined);
  });

  it('bad input: unknown hook names, non-string and empty commands, bad hookTimeout — each on its exact range', () => {
    const text = `{
  "version": 1,
  "hooks": { "onActionFinish": "x", "onRunStarted": ["echo", "hi"], "onRunFinished": 3, "onActionFinished": "  ", "whenever": "y" },
  "hookTimeout": "soon",
  "actions": { "a": { "command": "x" } }
}`;
    const d = diags(text);
    assert.deepEqual(
      d.filter((x) => !x.startsWith('empty-graph')),
      [
        `schema warning '"onActionFinish"': unknown hook 'onActionFinish' in 'hooks' (it never runs); hooks are 'onRunStarted', 'onActionFinished', 'onRunFinished'; did you mean 'onActionFinished'?`,
        `schema error '["echo", "hi"]': hook 'onRunStarted' must be a string: a shell command (one command line, run by the shell; not an argv array), got an array`,
        `schema error '3': hook 'onRunFinished' must be a string: a shell command, got the number 3`,
        `schema warning '"  "': hook 'onActionFinished' is empty: nothing runs`,
        `schema warning '"whenever"': unknown hook 'whenever' in 'hooks' (it never runs); hooks are 'onRunStarted', 'onActionFinished', 'onRunFinished'`,
        `schema error '"soon"': 'hookTimeout': invalid duration "soon": use e.g. "250ms", "30s", "1.5s", "5m", "1h", "1m30s" or a number of seconds`,
      ],
    );
    // The did-you-mean carries the suggestion the quick fix uses.
    const typo = analyzeText(text).diagnostics.find((x) => x.message.startsWith(`unknown hook 'onActionFinish'`));
    assert.deepEqual(typo?.data, { suggestion: 'onActionFinished' });
    // Nothing that could run: no hooks in the model.
    assert.equal(analyzeText(text).graph.hooks, undefined);
  });

  it('hooks that is not an object; hookTimeout without hooks; a repeated hook', () => {
    assert.deepEqual(diags(`{ "version": 1, "hooks": "echo", "actions": { "a": { "command": "x" } } }`), [
      `schema error '"echo"': 'hooks' must be an object mapping "onRunStarted", "onActionFinished", "onRunFinished" to shell commands, got the string "echo"`,
    ]);
    assert.deepEqual(diags(`{ "version": 1, "hookTimeout": "5s", "actions": { "a": { "command": "x" } } }`), [
      `schema warning '"hookTimeout"': 'hookTimeout' (5s) has no effect: the graph declares no 'hooks'`,
    ]);
    assert.deepEqual(diags(`{ "version": 1, "hookTimeout": 0, "hooks": { "onRunFinished": "x" }, "actions": { "a": { "command": "x" } } }`), [
      `schema error '0': 'hookTimeout': a duration must be positive, got 0`,
    ]);
    const dup = diags(`{ "version": 1, "hooks": { "onRunFinished": "a", "onRunFinished": "b" }, "actions": { "a": { "command": "x" } } }`);
    assert.deepEqual(dup, [`schema error '"onRunFinished"': duplicate property 'onRunFinished' in 'hooks' (the first one is used)`]);
  });

  it('hook-finished: the reducer ignores it; the worker protocol accepts it with or without an action', () => {
    const s0 = reduceRun(initialRunState(), { type: 'run-started', runId: 'r', time: 1, cpus: 1, actions: ['a'] });
    const e = { type: 'hook-finished', time: 5, hook: 'onRunFinished', startedAt: 2, durationMs: 3, exitCode: 1, signal: null, error: 'exit code 1', log: null } as const;
    assert.equal(reduceRun(s0, e), s0);
    assert.equal(reduceRun(s0, { ...e, hook: 'onActionFinished', action: 'a' }), s0);
    const p = parseWorkerMessage({ type: 'event', event: e });
    assert.equal(p.ok, true);
    assert.equal(parseWorkerMessage({ type: 'event', event: { ...e, action: 'a' } }).ok, true);
  });
});
