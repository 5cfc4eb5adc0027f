// One docs preview: a webview panel showing one document at a time, re-rendered while it is typed (the webview
// patches the changed blocks in place). Scrolling and links are delegated to PreviewScrollSync and DocLinkOpener,
// as VS Code's markdown preview splits them (preview.ts, topmostLineMonitor.ts, openDocumentLink.ts).
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { Languages } from '../../constants';
import { resolveImagePath } from '../../core/docs/docLinks';
import { isMarkdownPath } from '../../core/docs/docPaths';
import { parseFromPreviewMessage, type FromPreviewMessage, type ToPreviewMessage } from '../../core/docs/previewMessages';
import { previewPage } from '../../core/docs/previewPage';
import type { DocumentRenderer } from '../../core/docs/renderDocument';
import type { Logger } from '../../core/common/logger';
import type { DocLinkOpener } from './docLinkOpener';
import { PreviewScrollSync } from './scrollSyncMonitor';

/** Typing re-renders after this pause: fast enough to feel live, slow enough not to render every keystroke. */
const UPDATE_DELAY_MS = 150;

export function isDocDocument(document: vscode.TextDocument): boolean {
  return document.languageId === Languages.markdown || document.languageId === Languages.rmarkdown || isMarkdownPath(document.uri.path);
}

/** What the preview shows, as reported by the internal state command. */
export interface DocsPreviewState {
  readonly documentUri?: string;
  /** Version of the last render sent to the webview, and the last one the webview reported as patched in. */
  readonly renderedVersion: number;
  readonly patchedVersion: number;
  readonly html?: string;
  readonly visible: boolean;
}

export class DocsPreview implements vscode.Disposable {
  private documentValue: vscode.TextDocument | undefined;
  /** Kept when the document closes, so a double-click can reopen it. */
  private uri: vscode.Uri | undefined;
  private renderedVersion = 0;
  private patchedVersion = 0;
  private lastHtml: string | undefined;
  private updateTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly scrollSync: PreviewScrollSync;
  private readonly subscriptions: vscode.Disposable[] = [];
  private disposed = false;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly renderer: DocumentRenderer,
    private readonly links: DocLinkOpener,
    private readonly log: Logger,
  ) {
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'berth.svg');
    this.scrollSync = new PreviewScrollSync(this);
    this.subscriptions.push(
      this.scrollSync,
      panel.webview.onDidReceiveMessage((data: unknown) => {
        const message = parseFromPreviewMessage(data);
        if (message) void this.handle(message);
        else this.log.warn('Docs preview: ignored a malformed message from the webview');
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (this.isShown(e.document) && e.contentChanges.length > 0) {
          this.documentValue = e.document;
          this.scheduleUpdate();
        }
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.scheduleUpdate()),
      vscode.workspace.onDidCloseTextDocument((doc) => {
        // The panel keeps showing the last render; an edit in a reopened editor brings the document back.
        if (doc === this.documentValue) this.documentValue = undefined;
      }),
    );
  }

  /** The open document shown, if it is still open. */
  get document(): vscode.TextDocument | undefined {
    return this.documentValue;
  }

  get documentUri(): vscode.Uri | undefined {
    return this.uri;
  }

  get state(): DocsPreviewState {
    return { documentUri: this.uri?.toString(), renderedVersion: this.renderedVersion, patchedVersion: this.patchedVersion, html: this.lastHtml, visible: this.panel.visible };
  }

  isShown(document: vscode.TextDocument): boolean {
    return this.uri !== undefined && document.uri.toString() === this.uri.toString();
  }

  /** The folder the document may load images and open links from: its workspace folder, else its own folder. */
  contentRoot(uri: vscode.Uri): vscode.Uri {
    return vscode.workspace.getWorkspaceFolder(uri)?.uri ?? vscode.Uri.joinPath(uri, '..');
  }

  /** The editor column that is not the preview's, for files opened from the preview. */
  otherColumn(): vscode.ViewColumn {
    const previewColumn = this.panel.viewColumn;
    const editorColumn = vscode.window.visibleTextEditors.find((e) => e.viewColumn !== previewColumn)?.viewColumn;
    return editorColumn ?? (previewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One);
  }

  post(message: ToPreviewMessage): void {
    void this.panel.webview.postMessage(message);
  }

  /** Shows another document: a whole new page (fresh nonce), scrolled to the top or to `fragment`. */
  showDocument(document: vscode.TextDocument, fragment?: string): void {
    clearTimeout(this.updateTimer);
    this.documentValue = document;
    this.uri = document.uri;
    const webview = this.panel.webview;
    this.panel.title = title(document);
    webview.options = { enableScripts: true, localResourceRoots: this.resourceRoots(document.uri) };
    const rendered = this.render(document);
    const media = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', ...p)).toString();
    webview.html = previewPage({
      cspSource: webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      styleUris: [media('katex', 'katex.min.css'), media('docs', 'preview.css')],
      scriptUri: media('docs', 'preview.js'),
      mermaidUri: rendered.hasMermaid ? media('mermaid', 'mermaid.min.js') : undefined,
      bodyHtml: rendered.html,
      version: this.renderedVersion,
      documentUri: document.uri.toString(),
      title: this.panel.title,
      fragment,
    });
  }

  resourceRoots(uri: vscode.Uri): vscode.Uri[] {
    return [vscode.Uri.joinPath(this.extensionUri, 'media'), this.contentRoot(uri)];
  }

  private scheduleUpdate(): void {
    clearTimeout(this.updateTimer);
    this.updateTimer = setTimeout(() => this.update(), UPDATE_DELAY_MS);
  }

  /** Sends a fresh render of the same document; the webview swaps only the blocks that changed. */
  private update(): void {
    const document = this.documentValue;
    if (!document) return;
    const rendered = this.render(document);
    const mermaidUri = rendered.hasMermaid ? this.panel.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'mermaid', 'mermaid.min.js')).toString() : undefined;
    this.post({ type: 'update', html: rendered.html, version: this.renderedVersion, mermaidUri, title: title(document) });
  }

  private render(document: vscode.TextDocument): { html: string; hasMermaid: boolean } {
    const root = this.contentRoot(document.uri);
    const webview = this.panel.webview;
    const rendered = this.renderer.render(document.getText(), {
      allowHtml: vscode.workspace.isTrusted,
      mapImage: (src) => {
        const path = resolveImagePath(src, document.uri.path, root.path);
        return path === undefined ? undefined : webview.asWebviewUri(document.uri.with({ path, query: '', fragment: '' })).toString();
      },
    });
    this.renderedVersion++;
    this.lastHtml = rendered.html;
    return rendered;
  }

  private async handle(message: FromPreviewMessage): Promise<void> {
    switch (message.type) {
      case 'patched':
        this.patchedVersion = Math.max(this.patchedVersion, message.version);
        return;
      case 'previewScrolled':
        return this.scrollSync.previewScrolled(message.line);
      case 'revealLine':
        return this.scrollSync.revealInEditor(message.line);
      case 'openLink':
        return this.links.open(message.href, this);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.updateTimer);
    this.subscriptions.forEach((d) => d.dispose());
    this.panel.dispose();
  }
}

function title(document: vscode.TextDocument): string {
  return `Preview ${document.uri.path.slice(document.uri.path.lastIndexOf('/') + 1)}`;
}
