// Keeps a docs preview and its editor on the same source line, both ways, without the two chasing each other;
// a double-click in the preview puts the editor's cursor on that line.
import * as vscode from 'vscode';
import type { ToPreviewMessage } from '../../core/docs/previewMessages';

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

/** What the scroll sync needs of the preview it serves. */
export interface SyncedPreview {
  readonly panel: vscode.WebviewPanel;
  readonly document: vscode.TextDocument | undefined;
  readonly documentUri: vscode.Uri | undefined;
  isShown(document: vscode.TextDocument): boolean;
  otherColumn(): vscode.ViewColumn;
  post(message: ToPreviewMessage): void;
}

export class PreviewScrollSync implements vscode.Disposable {
  /** Until when the editor's next visible-range event is the echo of a scroll the preview asked for. */
  private echoExpectedUntil = 0;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly preview: SyncedPreview) {
    this.subscription = vscode.window.onDidChangeTextEditorVisibleRanges((e) => this.editorScrolled(e));
  }

  private editorScrolled(e: vscode.TextEditorVisibleRangesChangeEvent): void {
    if (!this.preview.panel.visible || !this.preview.isShown(e.textEditor.document) || e.visibleRanges.length === 0) return;
    const echo = Date.now() < this.echoExpectedUntil;
    this.echoExpectedUntil = 0;
    if (!echo) this.preview.post({ type: 'scrollToLine', line: e.visibleRanges[0].start.line });
  }

  /** The preview scrolled to `line`: bring the editor there. */
  previewScrolled(line: number): void {
    const editor = vscode.window.visibleTextEditors.find((e) => this.preview.isShown(e.document));
    if (!editor) return;
    const target = Math.min(line, editor.document.lineCount - 1);
    if (editor.visibleRanges[0]?.start.line === target) return;
    this.echoExpectedUntil = Date.now() + SCROLL_ECHO_MS;
    editor.revealRange(new vscode.Range(target, 0, target, 0), vscode.TextEditorRevealType.AtTop);
  }

  /** A double-click on `line` in the preview: the cursor goes there, in the editor beside the preview. */
  async revealInEditor(line: number): Promise<void> {
    const uri = this.preview.documentUri;
    const document = this.preview.document ?? (uri && (await vscode.workspace.openTextDocument(uri)));
    if (!document) return;
    const target = Math.min(line, document.lineCount - 1);
    await this.previewFocusReported();
    const visible = vscode.window.visibleTextEditors.find((e) => e.document === document);
    const editor = await vscode.window.showTextDocument(document, { viewColumn: visible?.viewColumn ?? this.preview.otherColumn(), preserveFocus: false });
    const position = new vscode.Position(target, 0);
    editor.selection = new vscode.Selection(position, position);
    if (!editor.visibleRanges.some((r) => r.contains(position))) {
      this.echoExpectedUntil = Date.now() + SCROLL_ECHO_MS;
      editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    }
  }

  /** Resolves once the preview is the active editor (see FOCUS_REPORT_MS), at once when it is already. */
  private previewFocusReported(): Promise<void> {
    const panel = this.preview.panel;
    if (panel.active) return Promise.resolve();
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

  dispose(): void {
    this.subscription.dispose();
  }
}
