import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { codeOf, copyFixture, find, rangeText, waitForDiagnostics } from './lspHelpers';

/** SPEC §10 in a real VS Code: a lock diagnostic and its quick fix, completion, hover and definition of artifacts. */
describe('locks and requires/provides in VS Code', function () {
  let uri: vscode.Uri;
  let doc: vscode.TextDocument;
  let editor: vscode.TextEditor;

  before(async () => {
    uri = await copyFixture('locks.actiontree.jsonc', 'locks-it');
    doc = await vscode.workspace.openTextDocument(uri);
    editor = await vscode.window.showTextDocument(doc);
    await waitForDiagnostics(uri, (ds) => ds.length === 0, 'a clean file');
  });

  after(async () => {
    if (doc.isDirty) await doc.save();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(path.dirname(uri.fsPath), { recursive: true, force: true });
  });

  it('hover on a required name says which action provides it; definition goes to its provides entry', async () => {
    const at = find(doc, '"requires": ["schema"]', 15);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, at);
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /Artifact \*\*schema\*\*, provided by `gen`/);
    const defs = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>('vscode.executeDefinitionProvider', uri, at);
    const range = defs.map((d) => ('targetRange' in d ? d.targetRange : d.range))[0];
    assert.ok(range);
    assert.equal(doc.getText(range), '"schema"');
    assert.equal(range.start.line, 4);
  });

  it('an undeclared lock is an error on its key; the quick fix declares it', async () => {
    const at = find(doc, '"locks": { "db": "exclusive" }', 10);
    assert.ok(await editor.edit((b) => b.insert(at, '"cache": "shared", ')));
    const ds = await waitForDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'unknown-lock'), 'unknown-lock');
    const d = ds.find((x) => codeOf(x) === 'unknown-lock')!;
    assert.equal(rangeText(d.range), `5:${at.character}-5:${at.character + 7}`);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, d.range);
    const declare = actions.find((a) => a.title === 'Declare lock \'cache\' in the top-level "locks"');
    assert.ok(declare?.edit, actions.map((a) => a.title).join(', '));
    assert.ok(await vscode.workspace.applyEdit(declare.edit));
    assert.match(doc.getText(), /"locks": \["db", "cache"\]/);
    await waitForDiagnostics(uri, (x) => x.length === 0, 'clean after the fix');
  });

  it('completes lock names inside an action\'s locks', async () => {
    const at = find(doc, '"locks": { "db": "shared" }', 10);
    assert.ok(await editor.edit((b) => b.insert(at, '"" : "shared", ')));
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, at.translate(0, 1), '"');
    const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    assert.ok(labels.includes('cache'), labels.join(', '));
    assert.ok(!labels.includes('db'), 'db is taken already');
  });
  it('the tree says why an action waits for a lock: held shared by the readers; behind the exclusive request', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    const dir = path.join(folder.uri.fsPath, 'locks-run');
    fs.mkdirSync(dir, { recursive: true });
    const src = path.join(vscode.extensions.getExtension('actiontree.actiontree')!.extensionPath, 'test', 'integration', 'fixtures', 'run', 'locked.actiontree.jsonc');
    const file = path.join(dir, 'locked.actiontree.jsonc');
    fs.copyFileSync(src, file);
    try {
      const r = (await vscode.commands.executeCommand('actiontree.runGraph', vscode.Uri.file(file))) as { ok: boolean; session?: number; message?: string };
      assert.equal(r.ok, true, r.message);
      type Snap = { label: string; description: string; children: Snap[] };
      const row = async (action: string): Promise<Snap | undefined> =>
        ((await vscode.commands.executeCommand('actiontree.internal.tree')) as Snap[]).find((g) => g.label === 'locked')?.children.find((c) => c.label === action);
      const WRITER = /^waiting for lock db \(exclusive, held shared by reader1, reader2\) · \d+ s$/;
      const LATE = /^waiting for lock db \(shared, behind exclusive writer\) · \d+ s$/;
      const deadline = Date.now() + 30_000;
      let writer: Snap | undefined;
      let late: Snap | undefined;
      for (;;) {
        writer = await row('writer');
        late = await row('late');
        // Events arrive one by one: wait until both readers have started (the rows redraw then).
        if (WRITER.test(writer?.description ?? '') && LATE.test(late?.description ?? '')) break;
        assert.ok(Date.now() < deadline, `rows did not say why they wait: ${JSON.stringify([writer?.description, late?.description])}`);
        await new Promise((res) => setTimeout(res, 25));
      }
      assert.match(writer!.description, WRITER);
      assert.match(late!.description, LATE);
      fs.writeFileSync(path.join(dir, 'lock.flag'), '');
      const s = (await vscode.commands.executeCommand('actiontree.internal.waitRun', r.session, 30_000)) as { result: string | null };
      assert.equal(s.result, 'succeeded');
    } finally {
      fs.writeFileSync(path.join(dir, 'lock.flag'), '');
      // Other suites list the workspace's graphs: leave none behind.
      fs.rmSync(dir, { recursive: true, force: true });
      await vscode.commands.executeCommand('actiontree.refreshTree');
    }
  });
});
