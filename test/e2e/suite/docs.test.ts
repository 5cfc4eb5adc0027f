// The docs preview and the Docs view in the real extension host: the command opens one panel beside the
// editor, the webview itself reports each update it patched in, edits re-render, and the Docs view follows files.
import { strict as assert } from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import type { DocsPreviewState } from '../../../src/features/docs/docsPreview';
import type { DocsTreeNode } from '../../../src/core/docs/docsTree';

const WORKSPACE = process.env.BERTH_E2E_WORKSPACE ?? '';
const fileUri = (rel: string) => vscode.Uri.file(path.join(WORKSPACE, rel));

const previewState = () => vscode.commands.executeCommand<DocsPreviewState>('_berth.docs.previewState');
const docsTree = () => vscode.commands.executeCommand<DocsTreeNode[]>('_berth.docs.tree');

/** Polls `read` until `accept` holds; the preview and the watcher report asynchronously. */
async function until<T>(read: () => Thenable<T> | T, accept: (v: T) => boolean, what: string, ms = 20000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T = await read();
  while (!accept(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last).slice(0, 400)}`);
    await new Promise((r) => setTimeout(r, 50));
    last = await read();
  }
  return last;
}

/** The webview reported having patched in the latest render of `rel`. */
const shows = (rel: string) => (s: DocsPreviewState) =>
  s.documentUri === fileUri(rel).toString() && s.patchedVersion >= s.renderedVersion && s.renderedVersion > 0;

function previewTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('berth.docsPreview'));
}

function docPaths(nodes: readonly DocsTreeNode[]): string[] {
  return nodes.flatMap((n) => (n.kind === 'folder' ? docPaths(n.children) : [n.path]));
}

describe('Docs preview (extension host)', function () {
  this.timeout(60000);

  before(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('contributes the command on Markdown and R Markdown editors, and the rmarkdown language', async () => {
    const pkg = vscode.extensions.getExtension('berth.berth')!.packageJSON;
    const titleMenu = pkg.contributes.menus['editor/title'].find((m: { command: string }) => m.command === 'berth.docs.openPreviewToSide');
    assert.equal(titleMenu.when, 'resourceLangId == markdown || resourceLangId == rmarkdown');
    const doc = await vscode.workspace.openTextDocument(fileUri('docs/analysis.Rmd'));
    assert.equal(doc.languageId, 'rmarkdown');
  });

  it('opens the preview beside the editor and renders the document', async () => {
    const editor = await vscode.window.showTextDocument(fileUri('docs/analysis.Rmd'), { viewColumn: vscode.ViewColumn.One });
    await vscode.commands.executeCommand('berth.docs.openPreviewToSide');
    const state = await until(previewState, shows('docs/analysis.Rmd'), 'the preview of analysis.Rmd');
    const html = state.html ?? '';
    assert.match(html, /<table class="berth-front-matter"/);
    assert.match(html, /<h1 id="kernel-start-up-analysis" data-line="6">/);
    assert.match(html, /<td class="berth-align-right">1.9<\/td>/);
    assert.match(html, /class="katex-display"/);
    assert.match(html, /<span class="berth-chunk-engine">r<\/span><span class="berth-chunk-label">summary<\/span>/);
    assert.match(html, /<div class="berth-mermaid" data-line="\d+">/);
    // The sibling folder's image goes through asWebviewUri, not as a file path.
    const img = /<img alt="Stripes from a sibling folder" src="([^"]+)"/.exec(html)?.[1] ?? '';
    assert.match(img, /images\/stripes\.png$/);
    assert.doesNotMatch(img, /^\.\.|^file:/);

    const [tab] = previewTabs();
    assert.ok(tab, 'a preview tab is open');
    assert.equal(tab.label, 'Preview analysis.Rmd');
    assert.notEqual(tab.group.viewColumn, editor.viewColumn, 'the preview opens beside the editor');
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), editor.document.uri.toString(), 'the editor keeps focus');
  });

  it('re-renders as the document is edited, without a new panel', async () => {
    const editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === fileUri('docs/analysis.Rmd').toString());
    assert.ok(editor, 'the Rmd editor is visible');
    const before = await previewState();
    const ok = await editor.edit((b) => b.insert(new vscode.Position(editor.document.lineCount, 0), '\n## Typed in the host\n'));
    assert.ok(ok);
    const after = await until(previewState, (s) => /id="typed-in-the-host"/.test(s.html ?? '') && s.patchedVersion >= s.renderedVersion, 'the edit in the preview');
    assert.ok(after.renderedVersion > before.renderedVersion);
    assert.equal(previewTabs().length, 1);
  });

  it('follows the active editor to another doc, reusing the one panel', async () => {
    await vscode.window.showTextDocument(fileUri('docs/guide.md'), { viewColumn: vscode.ViewColumn.One });
    const state = await until(previewState, shows('docs/guide.md'), 'the preview to follow guide.md');
    assert.match(state.html ?? '', /<h1 id="guide" data-line="0">Guide<\/h1>/);
    assert.equal(previewTabs().length, 1);
    assert.equal(previewTabs()[0].label, 'Preview guide.md');
  });

  it('opens the preview for a Docs view entry passed as the command argument', async () => {
    const readme = (await docsTree()).find((n) => n.kind === 'doc' && n.path === 'README.md');
    assert.ok(readme, 'README.md is in the Docs view');
    await vscode.commands.executeCommand('berth.docs.openPreviewToSide', readme);
    await until(previewState, shows('README.md'), 'the preview of README.md');
    assert.equal(previewTabs().length, 1);
  });
});

describe('Docs view (extension host)', function () {
  this.timeout(60000);
  const created: vscode.Uri[] = [];
  after(async () => {
    for (const uri of created) await vscode.workspace.fs.delete(uri, { recursive: true }).then(undefined, () => undefined);
  });

  it('lists the workspace docs by folder', async () => {
    const tree = await until(docsTree, (t) => docPaths(t).includes('docs/analysis.Rmd'), 'the initial scan');
    const docsFolder = tree.find((n) => n.kind === 'folder' && n.label === 'docs');
    assert.ok(docsFolder && docsFolder.kind === 'folder');
    assert.deepEqual(docsFolder.children.map((n) => n.label), ['analysis.Rmd', 'guide.md']);
    assert.ok(tree.some((n) => n.kind === 'doc' && n.path === 'README.md'));
    assert.ok(!docPaths(tree).some((p) => p.endsWith('.ipynb') || p.endsWith('Dockerfile')));
  });

  it('adds a new doc and removes a deleted one, live from the file watcher', async () => {
    const page = fileUri('docs/new-page.md');
    const ignored = fileUri('node_modules/pkg/README.md');
    created.push(page, fileUri('node_modules'));
    await vscode.workspace.fs.writeFile(ignored, Buffer.from('# dependency readme\n'));
    await vscode.workspace.fs.writeFile(page, Buffer.from('# New page\n'));
    const withPage = await until(docsTree, (t) => docPaths(t).includes('docs/new-page.md'), 'docs/new-page.md in the view');
    assert.ok(!docPaths(withPage).includes('node_modules/pkg/README.md'), 'node_modules stays out');
    await vscode.workspace.fs.delete(page);
    await until(docsTree, (t) => !docPaths(t).includes('docs/new-page.md'), 'docs/new-page.md gone from the view');
  });

  it('drops every doc of a deleted folder', async () => {
    const folder = fileUri('notes');
    created.push(folder);
    await vscode.workspace.fs.writeFile(fileUri('notes/a.md'), Buffer.from('# a\n'));
    await vscode.workspace.fs.writeFile(fileUri('notes/sub/b.Rmd'), Buffer.from('# b\n'));
    await until(docsTree, (t) => docPaths(t).includes('notes/sub/b.Rmd') && docPaths(t).includes('notes/a.md'), 'notes/ docs in the view');
    await vscode.workspace.fs.delete(folder, { recursive: true });
    await until(docsTree, (t) => !docPaths(t).some((p) => p.startsWith('notes/')), 'notes/ gone from the view');
  });
});
