import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { codeOf, copyFixture, find, rangeText, waitForDiagnostics } from './lspHelpers';

/**
 * The language server inside a real VS Code: diagnostics as you type (pull, visible editor),
 * completion, definition, rename, quick fix, outline, code lenses, and diagnostics of files
 * that are not open. Every wait is on an event with a deadline.
 */
describe('language server in VS Code', function () {
  let uri: vscode.Uri;
  let doc: vscode.TextDocument;
  let editor: vscode.TextEditor;
  let original: string;

  before(async () => {
    uri = await copyFixture('graph.actiontree.jsonc', 'lsp-it');
    doc = await vscode.workspace.openTextDocument(uri);
    assert.equal(doc.languageId, 'actiontree');
    editor = await vscode.window.showTextDocument(doc);
    original = doc.getText();
    // the fixture's one finding: "gpu" is declared and never used (a hint) — proves the server answered
    await waitForDiagnostics(uri, (ds) => ds.length === 1 && codeOf(ds[0]!) === 'unused-resource', 'the initial unused-resource hint');
  });

  afterEach(async () => {
    // back to the fixture text for the next test
    if (doc.getText() !== original) {
      const edit = new vscode.WorkspaceEdit();
      edit.replace(uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), original);
      assert.ok(await vscode.workspace.applyEdit(edit));
    }
  });

  after(async () => {
    if (doc.isDirty) await doc.save();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // leave the workspace as other suites expect it
    fs.rmSync(path.dirname(uri.fsPath), { recursive: true, force: true });
  });

  it('typing a dependency that closes a cycle marks every edge; undo clears it', async () => {
    const at = find(doc, '"dependsOn": []', 14);
    assert.ok(await editor.edit((b) => b.insert(at, '"test"')));
    const ds = await waitForDiagnostics(uri, (d) => d.filter((x) => codeOf(x) === 'cycle').length === 3, 'three cycle diagnostics');
    const cycles = ds.filter((d) => codeOf(d) === 'cycle').sort((a, b) => a.range.start.line - b.range.start.line);
    assert.deepEqual(cycles.map((d) => rangeText(d.range)), ['8:20-8:26', '12:20-12:26', '17:20-17:27']);
    for (const d of cycles) {
      assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
      assert.match(d.message, /^cycle: /);
    }
    // The members are related locations of ONE edge per cycle (the first in the file), so the
    // Problems panel lists 3 + 3 rows, not 3 × 4 (issue 11, item 9).
    assert.deepEqual(cycles.map((d) => d.relatedInformation?.length ?? 0), [3, 0, 0]);
    assert.equal(cycles[0]!.relatedInformation?.[0]?.location.uri.toString(), uri.toString());
    assert.match(cycles[0]!.message, /lint → test → build → lint/);
    await vscode.commands.executeCommand('undo');
    assert.equal(doc.getText(), original);
    await waitForDiagnostics(uri, (d) => d.length === 1 && codeOf(d[0]!) === 'unused-resource', 'cycle diagnostics cleared after undo');
  });

  it('completes action ids inside dependsOn (not the action itself)', async () => {
    const at = find(doc, '"dependsOn": ["build"]', 21);
    assert.ok(await editor.edit((b) => b.insert(at, ', ""')));
    const pos = at.translate(0, 3);
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, pos, '"');
    const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    assert.ok(labels.includes('lint'), labels.join(', '));
    assert.ok(!labels.includes('test'), 'not the action itself');
    assert.ok(!labels.includes('build'), 'not an id already listed');
  });

  it('hovers an action key with its description, command and dependencies', async () => {
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, find(doc, '"build": {', 2));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /\*\*build\*\*/);
    assert.match(text, /npm run build/);
    assert.match(text, /Depends on: `lint`/);
  });

  it('hovers with the last run recorded beside the file', async () => {
    const runDir = path.join(path.dirname(uri.fsPath), '.actiontree', 'runs', '20261121T150000.000Z-lsp1');
    fs.mkdirSync(runDir, { recursive: true });
    const act = (state: string, startedAt: number, finishedAt: number) => ({ state, reason: state === 'failed' ? 'exit code 1' : null, startedAt, finishedAt });
    fs.writeFileSync(
      path.join(runDir, 'report.json'),
      JSON.stringify({ version: 1, runId: '20261121T150000.000Z-lsp1', graphFile: uri.fsPath, result: 'failed', actions: { lint: act('succeeded', 1000, 2500), build: act('failed', 2500, 3000) } }),
    );
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, find(doc, '["build"]', 3));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /Last run: \*\*failed\*\* in 500 ms \(exit code 1\)/);
    // Text from files: the rendered markdown is neither trusted (command links) nor HTML-enabled.
    const md = hovers.flatMap((h) => h.contents).filter((c): c is vscode.MarkdownString => c instanceof vscode.MarkdownString);
    assert.ok(md.length > 0, 'the hover is markdown');
    for (const c of md) {
      assert.ok(!c.isTrusted, 'hover markdown is not trusted');
      assert.ok(!c.supportHtml, 'hover markdown does not render HTML');
    }
  });

  it('goes to the definition of a dependency', async () => {
    const pos = find(doc, '["lint"]', 3);
    const defs = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>('vscode.executeDefinitionProvider', uri, pos);
    assert.equal(defs.length, 1);
    const d = defs[0]!;
    const range = 'targetRange' in d ? d.targetRange : d.range;
    const target = 'targetUri' in d ? d.targetUri : d.uri;
    assert.equal(target.toString(), uri.toString());
    assert.equal(rangeText(range), '5:4-5:10');
  });

  it('renames an action id: its key and every reference', async () => {
    const pos = find(doc, '"build": {', 2);
    const edit = await vscode.commands.executeCommand<vscode.WorkspaceEdit>('vscode.executeDocumentRenameProvider', uri, pos, 'compile');
    const edits = edit.get(uri).sort((a, b) => a.range.start.line - b.range.start.line);
    assert.deepEqual(edits.map((e) => [rangeText(e.range), e.newText]), [
      ['10:5-10:10', 'compile'],
      ['17:21-17:26', 'compile'],
    ]);
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.equal(doc.getText(), original.replace('"build": {', '"compile": {').replace('["build"]', '["compile"]'));
    await assert.rejects(
      Promise.resolve(vscode.commands.executeCommand('vscode.executeDocumentRenameProvider', uri, find(doc, '"compile": {', 2), 'lint')),
      /already exists/,
    );
  });

  it('offers and applies the did-you-mean quick fix for an unknown dependency', async () => {
    const at = find(doc, '["lint"]', 3);
    assert.ok(await editor.edit((b) => b.delete(new vscode.Range(at, at.translate(0, 1)))));
    assert.ok(doc.getText().includes('["lnt"]'));
    const ds = await waitForDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'unknown-dependency'), 'unknown-dependency');
    const diag = ds.find((x) => codeOf(x) === 'unknown-dependency')!;
    assert.equal(rangeText(diag.range), '12:20-12:25');
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, diag.range, vscode.CodeActionKind.QuickFix.value);
    const titles = actions.map((a) => a.title);
    assert.ok(titles.includes("Remove dependency 'lnt'"), titles.join(', '));
    const fix = actions.find((a) => a.title === "Change to 'lint'");
    assert.ok(fix?.edit, titles.join(', '));
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.equal(doc.getText(), original);
    await waitForDiagnostics(uri, (d) => !d.some((x) => codeOf(x) === 'unknown-dependency'), 'unknown-dependency fixed');
  });

  it('shows actions and resources in the outline', async () => {
    const symbols = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', uri);
    assert.deepEqual(symbols.map((s) => [s.name, s.children.map((c) => c.name)]), [
      ['resources', ['db', 'gpu']],
      ['actions', ['lint', 'build', 'test']],
    ]);
    const build = symbols[1]!.children[1]!;
    assert.deepEqual(build.children.map((c) => c.name), ['lint', 'db']);
    assert.equal(rangeText(build.selectionRange), '10:4-10:11');
  });

  it('puts "▶ Run | Run with dependencies" above each action', async () => {
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100);
    const first = lenses.filter((l) => l.range.start.line === 5).map((l) => [l.command?.title, l.command?.command, l.command?.arguments]);
    assert.deepEqual(first, [
      ['▶ Run', 'actiontree.runActionOnly', [uri.toString(), 'lint']],
      ['Run with dependencies', 'actiontree.runAction', [uri.toString(), 'lint']],
    ]);
    assert.equal(lenses.length, 6);
  });

  it('keeps a file\'s problems in the Problems panel after its editor is closed', async () => {
    const folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const file = path.join(folder, 'lsp-it', 'reopened.actiontree.jsonc');
    fs.writeFileSync(file, '{ "version": 1, "actions": { "x": { "command": "y", "dependsOn": ["nope"] } } }\n');
    const other = vscode.Uri.file(file);
    await waitForDiagnostics(other, (d) => d.some((x) => codeOf(x) === 'unknown-dependency'), 'pushed diagnostics of the closed file');
    const otherDoc = await vscode.workspace.openTextDocument(other);
    await vscode.window.showTextDocument(otherDoc, { preview: false });
    await waitForDiagnostics(other, (d) => d.some((x) => codeOf(x) === 'unknown-dependency'), 'pulled diagnostics of the open file');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    // the pull result goes with the editor; the server pushes the file's state on disk again
    const ds = await waitForDiagnostics(other, (d) => d.some((x) => codeOf(x) === 'unknown-dependency'), 'diagnostics after the editor closed', 30_000);
    assert.equal(ds.filter((x) => codeOf(x) === 'unknown-dependency').length, 1, 'no duplicates');
    await vscode.window.showTextDocument(doc);
  });

  it('reports problems of graph files that are not open (Problems panel)', async () => {
    const folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const file = path.join(folder, 'lsp-it', 'closed.actiontree.jsonc');
    const closed = vscode.Uri.file(file);
    assert.ok(!vscode.workspace.textDocuments.some((d) => d.uri.toString() === closed.toString()));
    fs.writeFileSync(file, '{ "version": 1, "actions": { "x": { "command": "y", "dependsOn": ["x"] } } }\n');
    const ds = await waitForDiagnostics(closed, (d) => d.some((x) => codeOf(x) === 'self-dependency'), 'diagnostics of a file created on disk');
    assert.equal(rangeText(ds.find((x) => codeOf(x) === 'self-dependency')!.range), '0:66-0:69');
    fs.writeFileSync(file, '{ "version": 1, "actions": { "x": { "command": "y" } } }\n');
    await waitForDiagnostics(closed, (d) => d.length === 0, 'diagnostics cleared after the file was fixed on disk');
  });
});
