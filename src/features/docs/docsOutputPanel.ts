// Shows a knitted or exported HTML file beside the editor in a webview where the document's own scripts do not
// run: the content security policy admits only Berth's link script, by nonce. Styles, images and fonts (inline or
// beside the file) still load, so it looks as built. Links go through the docs preview's link opener.
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { WebviewTypes } from '../../constants';
import type { Logger } from '../../core/common/logger';
import { outputPageHtml } from '../../core/docs/outputPage';
import { parseFromPreviewMessage, type ToPreviewMessage } from '../../core/docs/previewMessages';
import type { DocLinkOpener, LinkingPreview } from './docLinkOpener';

export class DocsOutputPanel implements vscode.Disposable, LinkingPreview {
  private panel: vscode.WebviewPanel | undefined;
  private shown: vscode.Uri | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly links: DocLinkOpener,
    private readonly log: Logger,
  ) {}

  /** The file the panel shows, for Open Externally. */
  get file(): vscode.Uri | undefined {
    return this.panel ? this.shown : undefined;
  }

  get documentUri(): vscode.Uri | undefined {
    return this.file;
  }

  async show(file: vscode.Uri): Promise<void> {
    const html = new TextDecoder().decode(await vscode.workspace.fs.readFile(file));
    const options = { enableScripts: true, enableFindWidget: true, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'media'), this.contentRoot(file)] };
    if (!this.panel) {
      const panel = vscode.window.createWebviewPanel(WebviewTypes.docsOutput, path.basename(file.fsPath), { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, options);
      panel.onDidDispose(() => (this.panel = undefined));
      panel.webview.onDidReceiveMessage((data: unknown) => {
        const message = parseFromPreviewMessage(data);
        if (message?.type === 'openLink') void this.links.open(message.href, this);
        else this.log.warn('Docs output: ignored a malformed message from the webview');
      });
      this.panel = panel;
    } else {
      this.panel.reveal(vscode.ViewColumn.Beside, true);
      this.panel.webview.options = options;
    }
    const webview = this.panel.webview;
    this.panel.title = path.basename(file.fsPath);
    this.shown = file;
    webview.html = outputPageHtml(html, {
      cspSource: webview.cspSource,
      baseUri: `${webview.asWebviewUri(vscode.Uri.file(path.dirname(file.fsPath))).toString()}/`,
      nonce: randomBytes(16).toString('base64'),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'docs', 'output.js')).toString(),
    });
  }

  contentRoot(uri: vscode.Uri): vscode.Uri {
    return vscode.workspace.getWorkspaceFolder(uri)?.uri ?? vscode.Uri.file(path.dirname(uri.fsPath));
  }

  otherColumn(): vscode.ViewColumn {
    const own = this.panel?.viewColumn;
    return vscode.window.visibleTextEditors.find((e) => e.viewColumn !== own)?.viewColumn ?? vscode.ViewColumn.One;
  }

  /** A link to a Markdown doc opens it in the editor beside (the output panel shows only built files). */
  showDocument(document: vscode.TextDocument): void {
    void vscode.window.showTextDocument(document, { viewColumn: this.otherColumn() });
  }

  post(message: ToPreviewMessage): void {
    void this.panel?.webview.postMessage(message);
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
