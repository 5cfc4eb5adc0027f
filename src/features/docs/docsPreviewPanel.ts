import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { Languages, WebviewTypes } from '../../constants';
import { errorMessage } from '../../core/common/errors';
import type { Logger } from '../../core/common/logger';
import { isInside, resolveDocLink, resolveImagePath } from '../../core/docs/docLinks';
import { isMarkdownPath } from '../../core/docs/docPaths';
import { parseFromPreviewMessage, type FromPreviewMessage, type ToPreviewMessage } from '../../core/docs/previewMessages';
import { previewPage } from '../../core/docs/previewPage';
import type { DocumentRenderer } from '../../core/docs/renderDocument';

/** Typing re-renders after this pause: fast enough to feel live, slow enough not to render every keystroke. */
const UPDATE_DELAY_MS = 150;
/**
 * When the preview scrolls the editor, the editor's next visible-range event is that scroll's echo and is not
 * sent back (the two would chase each other); an echo that has not come within this time never will.
 */
const SCROLL_ECHO_MS = 1000;
/**
 * VS Code learns that a webview took focus by polling (every 250 ms, later on a loaded machine) and then makes
 * the webview's editor group active. A double-click focuses the preview, so a reveal must wait for that report,
 * or the late report makes the preview active again and the cursor the user asked for is not where they look.
 * A report that has not come within this time never will (the panel closed, or the click came without focus).
 */
const FOCUS_REPORT_MS = 2000;

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

/**
 * The one docs preview panel: created beside the editor on first use, then reused. It follows the active
 * editor when that shows a doc, re-renders while typing (the webview patches the body in place) and syncs
 * scrolling both ways by source line.
 */
export class DocsPreviewPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private panelSubscriptions: vscode.Disposable[] = [];
  private document: vscode.TextDocument | undefined;
  /** Kept when the document closes, so a double-click can reopen it. */
  private documentUri: vscode.Uri | undefined;
  private renderedVersion = 0;
  private patchedVersion = 0;
  private lastHtml: string | undefined;
  private updateTimer: ReturnType<typeof setTimeout> | undefined;
  /** Until when the editor's next visible-range event is the echo of a scroll the preview asked for. */
  private echoExpectedUntil = 0;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly renderer: DocumentRenderer,
    private readonly log: Logger,
  ) {
    this.subscriptions.push(
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        if (this.panel && editor && isDocDocument(editor.document) && !this.isShown(editor.document)) {
          this.showDocument(editor.document);
        }
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (this.panel && this.isShown(e.document) && e.contentChanges.length > 0) {
          this.document = e.document;
          this.scheduleUpdate();
        }
      }),
      vscode.window.onDidChangeTextEditorVisibleRanges((e) => this.editorScrolled(e)),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.scheduleUpdate()),
      vscode.workspace.onDidCloseTextDocument((doc) => {
        // The panel keeps showing the last render; an edit in a reopened editor brings the document back.
        if (doc === this.document) this.document = undefined;
      }),
    );
  }

  get state(): DocsPreviewState {
    return {
      documentUri: this.documentUri?.toString(),
      renderedVersion: this.renderedVersion,
      patchedVersion: this.patchedVersion,
      html: this.lastHtml,
      visible: this.panel?.visible ?? false,
    };
  }

  /** Opens (or reuses) the panel beside the editor, showing `uri`. */
  async open(uri: vscode.Uri): Promise<void> {
    const document = await vscode.workspace.openTextDocument(uri);
    if (!this.panel) {
      const panel = vscode.window.createWebviewPanel(
        WebviewTypes.docsPreview,
        this.title(document),
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        { enableScripts: true, enableFindWidget: true, localResourceRoots: this.resourceRoots(document.uri) },
      );
      this.attach(panel);
    } else {
      this.panel.reveal(undefined, true);
      // Already following this document (the active editor): keep the page, its scroll position and diagrams.
      if (this.isShown(document)) return;
    }
    this.showDocument(document);
  }

  /** Takes over a panel VS Code restored after a reload. */
  async restore(panel: vscode.WebviewPanel, documentUri: string | undefined): Promise<void> {
    if (this.panel) {
      panel.dispose();
      return;
    }
    this.attach(panel);
    if (!documentUri) {
      panel.dispose();
      return;
    }
    try {
      this.showDocument(await vscode.workspace.openTextDocument(vscode.Uri.parse(documentUri, true)));
    } catch (error) {
      this.log.warn(`Docs preview: could not restore ${documentUri}: ${errorMessage(error)}`);
      panel.dispose();
    }
  }

  private isShown(document: vscode.TextDocument): boolean {
    return this.documentUri !== undefined && document.uri.toString() === this.documentUri.toString();
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'berth.svg');
    this.panelSubscriptions = [
      panel.onDidDispose(() => this.detach()),
      panel.webview.onDidReceiveMessage((data: unknown) => {
        const message = parseFromPreviewMessage(data);
        if (message) void this.handle(message);
        else this.log.warn('Docs preview: ignored a malformed message from the webview');
      }),
    ];
  }

  private detach(): void {
    clearTimeout(this.updateTimer);
    this.panelSubscriptions.forEach((d) => d.dispose());
    this.panelSubscriptions = [];
    this.panel = undefined;
    this.document = undefined;
    this.documentUri = undefined;
    this.lastHtml = undefined;
  }

  private title(document: vscode.TextDocument): string {
    return `Preview ${document.uri.path.slice(document.uri.path.lastIndexOf('/') + 1)}`;
  }

  private resourceRoots(uri: vscode.Uri): vscode.Uri[] {
    return [vscode.Uri.joinPath(this.extensionUri, 'media'), this.contentRoot(uri)];
  }

  /** The folder the document may load images from: its workspace folder, else its own folder. */
  private contentRoot(uri: vscode.Uri): vscode.Uri {
    return vscode.workspace.getWorkspaceFolder(uri)?.uri ?? vscode.Uri.joinPath(uri, '..');
  }

  /** Shows another document: a whole new page (fresh nonce), scrolled to the top or to `fragment`. */
  private showDocument(document: vscode.TextDocument, fragment?: string): void {
    const panel = this.panel;
    if (!panel) return;
    clearTimeout(this.updateTimer);
    this.document = document;
    this.documentUri = document.uri;
    panel.title = this.title(document);
    panel.webview.options = { enableScripts: true, localResourceRoots: this.resourceRoots(document.uri) };
    const rendered = this.render(document, panel.webview);
    const media = (...p: string[]) => panel.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', ...p)).toString();
    panel.webview.html = previewPage({
      cspSource: panel.webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      styleUris: [media('katex', 'katex.min.css'), media('docs', 'preview.css')],
      scriptUri: media('docs', 'preview.js'),
      mermaidUri: rendered.hasMermaid ? media('mermaid', 'mermaid.min.js') : undefined,
      bodyHtml: rendered.html,
      version: this.renderedVersion,
      documentUri: document.uri.toString(),
      title: panel.title,
      fragment,
    });
  }

  private scheduleUpdate(): void {
    clearTimeout(this.updateTimer);
    this.updateTimer = setTimeout(() => this.update(), UPDATE_DELAY_MS);
  }

  /** Sends a fresh render of the same document; the webview swaps only the blocks that changed. */
  private update(): void {
    const panel = this.panel;
    const document = this.document;
    if (!panel || !document) return;
    const rendered = this.render(document, panel.webview);
    const mermaidUri = rendered.hasMermaid
      ? panel.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'mermaid', 'mermaid.min.js')).toString()
      : undefined;
    this.post({ type: 'update', html: rendered.html, version: this.renderedVersion, mermaidUri, title: this.title(document) });
  }

  private render(document: vscode.TextDocument, webview: vscode.Webview): { html: string; hasMermaid: boolean } {
    const root = this.contentRoot(document.uri);
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

  private post(message: ToPreviewMessage): void {
    void this.panel?.webview.postMessage(message);
  }

  private async handle(message: FromPreviewMessage): Promise<void> {
    switch (message.type) {
      case 'patched':
        this.patchedVersion = Math.max(this.patchedVersion, message.version);
        return;
      case 'previewScrolled':
        return this.scrollEditor(message.line);
      case 'revealLine':
        return this.revealInEditor(message.line);
      case 'openLink':
        return this.openLink(message.href);
    }
  }

  private editorScrolled(e: vscode.TextEditorVisibleRangesChangeEvent): void {
    if (!this.panel?.visible || !this.isShown(e.textEditor.document) || e.visibleRanges.length === 0) return;
    const echo = Date.now() < this.echoExpectedUntil;
    this.echoExpectedUntil = 0;
    if (!echo) this.post({ type: 'scrollToLine', line: e.visibleRanges[0].start.line });
  }

  private scrollEditor(line: number): void {
    const editor = vscode.window.visibleTextEditors.find((e) => this.isShown(e.document));
    if (!editor) return;
    const target = Math.min(line, editor.document.lineCount - 1);
    if (editor.visibleRanges[0]?.start.line === target) return;
    this.echoExpectedUntil = Date.now() + SCROLL_ECHO_MS;
    editor.revealRange(new vscode.Range(target, 0, target, 0), vscode.TextEditorRevealType.AtTop);
  }

  private async revealInEditor(line: number): Promise<void> {
    const document = this.document ?? (this.documentUri && (await vscode.workspace.openTextDocument(this.documentUri)));
    if (!document) return;
    const target = Math.min(line, document.lineCount - 1);
    await this.previewFocusReported();
    const visible = vscode.window.visibleTextEditors.find((e) => e.document === document);
    const editor = await vscode.window.showTextDocument(document, {
      viewColumn: visible?.viewColumn ?? this.otherColumn(),
      preserveFocus: false,
    });
    const position = new vscode.Position(target, 0);
    editor.selection = new vscode.Selection(position, position);
    if (!editor.visibleRanges.some((r) => r.contains(position))) {
      this.echoExpectedUntil = Date.now() + SCROLL_ECHO_MS;
      editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    }
  }

  /** Resolves once the preview is the active editor (see FOCUS_REPORT_MS), at once when it is already. */
  private previewFocusReported(): Promise<void> {
    const panel = this.panel;
    if (!panel || panel.active) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        subscription.dispose();
        resolve();
      };
      const timer = setTimeout(done, FOCUS_REPORT_MS);
      const subscription = panel.onDidChangeViewState((e) => e.webviewPanel.active && done());
    });
  }

  /** The editor column that is not the preview's, for files opened from the preview. */
  private otherColumn(): vscode.ViewColumn {
    const previewColumn = this.panel?.viewColumn;
    const editorColumn = vscode.window.visibleTextEditors.find((e) => e.viewColumn !== previewColumn)?.viewColumn;
    return editorColumn ?? (previewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One);
  }

  private async openLink(href: string): Promise<void> {
    const from = this.documentUri;
    if (!from) return;
    const target = resolveDocLink(href, from.path);
    try {
      switch (target.kind) {
        case 'anchor':
          this.post({ type: 'scrollToFragment', fragment: target.fragment });
          return;
        case 'external':
          await vscode.env.openExternal(vscode.Uri.parse(target.url, true));
          return;
        case 'unsupported':
          this.log.warn(`Docs preview: did not open ${href}: ${target.reason}`);
          void vscode.window.showWarningMessage(`Berth: this link does not open from the preview (${target.reason}).`);
          return;
        case 'doc':
        case 'file': {
          const uri = from.with({ path: target.path, query: '', fragment: '' });
          if (!isInside(target.path, this.contentRoot(from).path)) {
            void vscode.window.showWarningMessage(`Berth: ${href} points outside the workspace folder; the preview opens only files inside it.`);
            return;
          }
          await vscode.workspace.fs.stat(uri).then(undefined, () => {
            throw new Error(`${href} does not exist (resolved to ${uri.fsPath}).`);
          });
          if (target.kind === 'doc') {
            this.showDocument(await vscode.workspace.openTextDocument(uri), target.fragment);
            return;
          }
          const editor = await vscode.window.showTextDocument(uri, { viewColumn: this.otherColumn() });
          if (target.line !== undefined) {
            const line = Math.max(0, Math.min(target.line - 1, editor.document.lineCount - 1));
            editor.selection = new vscode.Selection(line, 0, line, 0);
            editor.revealRange(new vscode.Range(line, 0, line, 0), vscode.TextEditorRevealType.InCenter);
          }
          return;
        }
      }
    } catch (error) {
      this.log.error(error instanceof Error ? error : String(error));
      void vscode.window.showErrorMessage(`Berth: could not open the link: ${errorMessage(error)}`);
    }
  }

  dispose(): void {
    this.panel?.dispose();
    this.detach();
    this.subscriptions.forEach((d) => d.dispose());
  }
}
