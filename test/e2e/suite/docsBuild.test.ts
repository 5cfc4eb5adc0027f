// Knit and Export in the real extension host, against the real R and Pandoc images: the commands as the editor
// title, editor and explorer menus call them (with the document's URI), the HTML output opened beside the editor,
// a failing chunk in the Problems panel and cleared by the next good knit, an export to PDF.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { DocsBuildResult } from '../../../src/core/docs/docsFailure';

const WORKSPACE = process.env.BERTH_E2E_WORKSPACE ?? '';
const fileUri = (rel: string) => vscode.Uri.file(path.join(WORKSPACE, rel));

async function until<T>(read: () => Thenable<T> | T, accept: (v: T) => boolean, what: string, ms = 30000): Promise<T> {
  const deadline = Date.now() + ms;
  let last = await read();
  while (!accept(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last).slice(0, 400)}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await read();
  }
  return last;
}

const outputTabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('berth.docsOutput'));
const menu = (where: string, command: string) => vscode.extensions.getExtension('berth.berth')!.packageJSON.contributes.menus[where].find((m: { command: string }) => m.command === command);

describe('Knit and Export (extension host, real images)', function () {
  this.timeout(300000);

  before(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('offers Knit on .Rmd in the editor title, editor and explorer menus, and Export on Markdown', () => {
    // A remote host rewrites when clauses (quotes, order, `resourceScheme == file` → 'vscode-remote'): check the terms.
    const terms = (when: string) => when.replace(/'/g, '');
    for (const where of ['editor/title', 'editor/context', 'explorer/context']) {
      const when = terms(menu(where, 'berth.docs.knit').when);
      assert.ok(when.includes('resourceLangId == rmarkdown') && when.includes('isWorkspaceTrusted') && !when.includes('resourceLangId == markdown'), `${where}: ${when}`);
    }
    for (const where of ['editor/context', 'explorer/context']) {
      const when = terms(menu(where, 'berth.docs.export').when);
      assert.ok(when.includes('resourceLangId == markdown') && when.includes('resourceLangId == rmarkdown') && when.includes('isWorkspaceTrusted'), `${where}: ${when}`);
    }
  });

  it('knits from the editor title and opens the HTML beside the editor', async () => {
    const uri = fileUri('research/report.Rmd');
    const editor = await vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.One });
    const result = await vscode.commands.executeCommand<DocsBuildResult | undefined>('berth.docs.knit', uri);
    assert.deepEqual(result?.outputs, [path.join(WORKSPACE, 'research/report.html')]);
    const [tab] = await until(outputTabs, (tabs) => tabs.length === 1, 'the knitted HTML in a tab');
    assert.equal(tab.label, 'report.html');
    assert.notEqual(tab.group.viewColumn, editor.viewColumn, 'the output opens beside the editor');
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), uri.toString(), 'the editor keeps focus');
    assert.deepEqual(vscode.languages.getDiagnostics(uri), []);
  });

  it('shows a failing chunk in the Problems panel on its line, and clears it with the next good knit', async () => {
    const rel = 'research/failing.Rmd';
    const good = ['---', 'title: Failing', 'output: html_document', '---', '', '```{r setup}', 'x <- 1', '```', '', '```{r boom}', 'x + 1', '```', ''].join('\n');
    fs.writeFileSync(path.join(WORKSPACE, rel), good.replace('x + 1', 'stop("the data file is missing")'));
    const uri = fileUri(rel);
    await vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.One });
    assert.equal(await vscode.commands.executeCommand('berth.docs.knit', uri), undefined);
    const [problem] = await until(() => vscode.languages.getDiagnostics(uri), (d) => d.length > 0, 'the chunk error in the Problems panel');
    assert.equal(problem.message, 'the data file is missing');
    assert.equal(problem.range.start.line, 9, 'on the chunk header of "boom"');
    assert.equal(problem.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(problem.source, 'Berth knit');

    fs.writeFileSync(path.join(WORKSPACE, rel), good);
    const fixed = await vscode.commands.executeCommand<DocsBuildResult | undefined>('berth.docs.knit', uri);
    assert.ok(fixed, 'the fixed document knits');
    assert.deepEqual(vscode.languages.getDiagnostics(uri), []);
  });

  it('exports Markdown to PDF and reveals the file', async () => {
    const uri = fileUri('research/paper.md');
    await vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.One });
    const result = await vscode.commands.executeCommand<DocsBuildResult | undefined>('berth.docs.export', uri, { format: 'pdf' });
    const pdf = path.join(WORKSPACE, 'research/paper.pdf');
    assert.deepEqual(result?.outputs, [pdf]);
    assert.equal(fs.readFileSync(pdf).subarray(0, 5).toString(), '%PDF-');
    assert.deepEqual(result?.warnings, []);
    assert.deepEqual(vscode.languages.getDiagnostics(uri), []);
  });

  it('puts a missing bibliography on its front-matter line and writes nothing', async () => {
    const rel = 'research/no-bib.md';
    fs.writeFileSync(path.join(WORKSPACE, rel), '---\ntitle: No bibliography\nbibliography: missing.bib\n---\n\n# Intro\n\nAs shown [@knuth1984].\n');
    const uri = fileUri(rel);
    assert.equal(await vscode.commands.executeCommand('berth.docs.export', uri, { format: 'docx' }), undefined);
    const [problem] = await until(() => vscode.languages.getDiagnostics(uri), (d) => d.length > 0, 'the missing bibliography in the Problems panel');
    assert.match(problem.message, /^The bibliography missing\.bib does not exist/);
    assert.equal(problem.range.start.line, 2);
    assert.ok(!fs.existsSync(path.join(WORKSPACE, 'research/no-bib.docx')));
  });
});
