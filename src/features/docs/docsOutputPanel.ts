// Shows a knitted or exported HTML file beside the editor in a webview where the document's own scripts do not
// run: scripts are off for the webview, and a content security policy without script-src is put in front of
// the document's own. Styles, images and fonts (inline or beside the file) still load, so it looks as built.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { WebviewTypes } from '../../constants';
import { outputPageHtml } from '../../core/docs/outputPage';

export class DocsOutputPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private shown: vscode.Uri | undefined;

  /** The file the panel shows, for Open Externally. */
  get file(): vscode.Uri | undefined {
    return this.panel ? this.shown : undefined;
  }

  async show(file: vscode.Uri): Promise<void> {
    const folder = vscode.Uri.file(path.dirname(file.fsPath));
    const html = new TextDecoder().decode(await vscode.workspace.fs.readFile(file));
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel(
        WebviewTypes.docsOutput,
        path.basename(file.fsPath),
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        { enableScripts: false, enableFindWidget: true, localResourceRoots: [folder] },
      );
      this.panel.onDidDispose(() => (this.panel = undefined));
    } else {
      this.panel.reveal(vscode.ViewColumn.Beside, true);
    }
    const webview = this.panel.webview;
    webview.options = { enableScripts: false, localResourceRoots: [folder] };
    this.panel.title = path.basename(file.fsPath);
    this.shown = file;
    webview.html = outputPageHtml(html, { cspSource: webview.cspSource, baseUri: `${webview.asWebviewUri(folder).toString()}/` });
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
