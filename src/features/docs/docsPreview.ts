// One docs preview: a webview panel showing one document at a time, re-rendered while it is typed (the webview
// patches the changed blocks in place). Scrolling and links are delegated to PreviewScrollSync and DocLinkOpener,
// as VS Code's markdown preview splits them (preview.ts, topmostLineMonitor.ts, openDocumentLink.ts).
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { Languages } from '../../constants';
import { resolveImagePath } from '../../core/docs/docLinks';
import { isMarkdownPath } from '../../core/docs/docPaths';
import { parseFromPreviewMessage, type FromPreviewMessage, type ToPreviewMessage } from '../../core/docs/previewMessages';
import { firstScreenOf, PreviewDocument, type PreviewUpdate } from '../../core/docs/previewDocument';
import { previewPage, unitTemplates } from '../../core/docs/previewPage';
import type { DocumentRenderer } from '../../core/docs/renderDocument';
import type { Logger } from '../../core/common/logger';
import type { DocLinkOpener } from './docLinkOpener';
import { PreviewScrollSync } from './scrollSyncMonitor';

/**
 * Typing re-renders after this pause. An update re-renders only the blocks typed in (milliseconds even in a
 * megabyte document), so the pause only gathers a burst of keys into one update.
 */
const UPDATE_DELAY_MS = 50;
/** Drafted blocks rendered in full per step of a large document's opening (a step takes tens of milliseconds). */
const REFINE_BLOCKS = 100;
/**
 * Lines drafted per step of a large document's opening, after its first screen: about 50 KB of prose, tables and
 * code, a step of ~0.1–0.2 s, so a keystroke during the opening waits for one step at most, not for the whole.
 */
const DRAFT_LINES = 1500;

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
  /** The shown document's blocks as rendered, kept between edits; made anew for another document or trust. */
  private rendered: { readonly doc: PreviewDocument; readonly trusted: boolean } | undefined;
  /** The page's script reported it started (a later report is a reload: the webview forgot its patches). */
  private pageLoaded = false;
  private updateTimer: ReturnType<typeof setTimeout> | undefined;
  /** The next step of opening a large document: the rest of it as drafts, then drafts rendered in full. */
  private openingTimer: ReturnType<typeof setTimeout> | undefined;
  /** Lines at the end of the document the preview does not have yet (a large document still opening). */
  private pendingLines = 0;
  private readonly scrollSync: PreviewScrollSync;
  private readonly subscriptions: vscode.Disposable[] = [];
  private disposed = false;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly renderer: DocumentRenderer,
    private readonly links: DocLinkOpener,
    private readonly log: Logger,
    /** Told of every document the panel shows (a link to another doc included). */
    private readonly onShow: (uri: vscode.Uri) => void = () => undefined,
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
    return { documentUri: this.uri?.toString(), renderedVersion: this.renderedVersion, patchedVersion: this.patchedVersion, html: this.rendered?.doc.html, visible: this.panel.visible };
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
    clearTimeout(this.openingTimer);
    this.documentValue = document;
    this.uri = document.uri;
    this.onShow(document.uri);
    const webview = this.panel.webview;
    this.panel.title = title(document);
    webview.options = { enableScripts: true, localResourceRoots: this.resourceRoots(document.uri) };
    this.rendered = undefined;
    this.pageLoaded = false;
    // A large document: its first screen now, the rest right after (see openingStep). Not when a link asks for a
    // heading: the page scrolls to it as it loads, and it may be anywhere in the document.
    const text = document.getText();
    const firstScreen = fragment ? undefined : firstScreenOf(text);
    this.pendingLines = firstScreen === undefined ? 0 : Math.max(0, document.lineCount - lineCountOf(firstScreen));
    const rendered = this.render(document, firstScreen ?? text);
    if (firstScreen !== undefined) this.openingTimer = setTimeout(() => this.openingStep(document), 0);
    const media = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', ...p)).toString();
    webview.html = previewPage({
      cspSource: webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      styleUris: [media('katex', 'katex.min.css'), media('docs', 'preview.css')],
      scriptUri: media('docs', 'preview.js'),
      mermaidUri: rendered.hasMermaid ? media('mermaid', 'mermaid.min.js') : undefined,
      bodyHtml: unitTemplates(rendered.units, rendered.added),
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

  /** Renders the edit and sends the preview the units it changed; the webview swaps only those. */
  private update(): void {
    const document = this.documentValue;
    if (!document) return;
    const before = this.rendered;
    const rendered = this.render(document, this.shownText(document));
    this.sendPatch(rendered, document, before?.doc !== this.rendered?.doc);
  }

  /** The document as far as the preview has it: all of it, except lines a large document's opening has not reached. */
  private shownText(document: vscode.TextDocument): string {
    if (this.pendingLines === 0) return document.getText();
    return document.getText(new vscode.Range(0, 0, Math.max(0, document.lineCount - this.pendingLines), 0));
  }

  private sendPatch(rendered: PreviewUpdate, document: vscode.TextDocument, reset: boolean): void {
    const mermaidUri = rendered.hasMermaid ? this.panel.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'mermaid', 'mermaid.min.js')).toString() : undefined;
    this.post({ type: 'patch', units: rendered.units, html: unitTemplates(rendered.units, rendered.added), reset, version: this.renderedVersion, mermaidUri, title: title(document) });
  }

  /**
   * Opening a large document after its first screen: the rest of it rendered as drafts (math as TeX, code not
   * highlighted) DRAFT_LINES at a time, then the drafts rendered in full REFINE_BLOCKS at a time, each step its own
   * patch, so the whole document is there early and a keystroke never waits behind more than one short step.
   * Typing meanwhile renders the document as far as the opening has reached (shownText).
   */
  private openingStep(document: vscode.TextDocument): void {
    if (this.disposed || document !== this.documentValue || !this.rendered) return;
    const before = this.rendered;
    let rendered: PreviewUpdate | undefined;
    if (this.pendingLines > 0) {
      this.pendingLines = Math.max(0, this.pendingLines - DRAFT_LINES);
      rendered = this.render(document, this.shownText(document), true);
    } else {
      rendered = this.rendered.doc.refine(REFINE_BLOCKS);
      if (!rendered) return;
      this.renderedVersion++;
    }
    this.sendPatch(rendered, document, before.doc !== this.rendered.doc);
    this.openingTimer = setTimeout(() => this.openingStep(document), 0);
  }

  private render(document: vscode.TextDocument, text = document.getText(), draft = false): PreviewUpdate {
    const trusted = vscode.workspace.isTrusted;
    if (!this.rendered || this.rendered.trusted !== trusted) {
      const root = this.contentRoot(document.uri);
      const webview = this.panel.webview;
      const doc = new PreviewDocument(this.renderer, {
        allowHtml: trusted,
        mapImage: (src) => {
          const path = resolveImagePath(src, document.uri.path, root.path);
          return path === undefined ? undefined : webview.asWebviewUri(document.uri.with({ path, query: '', fragment: '' })).toString();
        },
      });
      this.rendered = { doc, trusted };
    }
    const rendered = this.rendered.doc.update(text, { draft });
    this.renderedVersion++;
    return rendered;
  }

  /** The webview reloaded its page (it had been hidden): it shows the first render again, so send it all. */
  private reloaded(): void {
    const document = this.documentValue;
    if (!this.rendered || !document) return;
    this.renderedVersion++;
    this.sendPatch(this.rendered.doc.snapshot(), document, true);
  }

  private async handle(message: FromPreviewMessage): Promise<void> {
    switch (message.type) {
      case 'patched':
        this.patchedVersion = Math.max(this.patchedVersion, message.version);
        return;
      case 'loaded':
        if (this.pageLoaded) this.reloaded();
        this.pageLoaded = true;
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
    clearTimeout(this.openingTimer);
    this.subscriptions.forEach((d) => d.dispose());
    this.panel.dispose();
  }
}

function title(document: vscode.TextDocument): string {
  return `Preview ${document.uri.path.slice(document.uri.path.lastIndexOf('/') + 1)}`;
}

/** Lines of a text that ends with a newline (as a first screen does). */
function lineCountOf(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
