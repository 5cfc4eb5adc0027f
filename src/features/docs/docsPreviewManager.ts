// The one docs preview panel of the window: created beside the editor on first use, then reused; it follows the
// active editor when that shows a doc, and takes over the panel VS Code restores after a reload.
import * as vscode from 'vscode';
import { WebviewTypes } from '../../constants';
import { errorMessage } from '../../core/common/errors';
import type { Logger } from '../../core/common/logger';
import type { DocumentRenderer } from '../../core/docs/renderDocument';
import type { DocLinkOpener } from './docLinkOpener';
import { DocsPreview, isDocDocument, type DocsPreviewState } from './docsPreview';

export class DocsPreviewManager implements vscode.Disposable {
  private preview: DocsPreview | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly renderer: DocumentRenderer,
    private readonly links: DocLinkOpener,
    private readonly log: Logger,
  ) {
    this.subscriptions.push(
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        if (this.preview && editor && isDocDocument(editor.document) && !this.preview.isShown(editor.document)) {
          this.preview.showDocument(editor.document);
        }
      }),
    );
  }

  get state(): DocsPreviewState {
    return this.preview?.state ?? { renderedVersion: 0, patchedVersion: 0, visible: false };
  }

  /** Opens (or reuses) the panel beside the editor, showing `uri`. */
  async open(uri: vscode.Uri): Promise<void> {
    const document = await vscode.workspace.openTextDocument(uri);
    if (this.preview) {
      this.preview.panel.reveal(undefined, true);
      // Already following this document (the active editor): keep the page, its scroll position and diagrams.
      if (this.preview.isShown(document)) return;
    } else {
      const root = vscode.workspace.getWorkspaceFolder(document.uri)?.uri ?? vscode.Uri.joinPath(document.uri, '..');
      const panel = vscode.window.createWebviewPanel(
        WebviewTypes.docsPreview,
        'Preview',
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        { enableScripts: true, enableFindWidget: true, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'media'), root] },
      );
      this.attach(panel);
    }
    this.preview?.showDocument(document);
  }

  /** Takes over a panel VS Code restored after a reload. */
  async restore(panel: vscode.WebviewPanel, documentUri: string | undefined): Promise<void> {
    if (this.preview || !documentUri) {
      panel.dispose();
      return;
    }
    const preview = this.attach(panel);
    try {
      preview.showDocument(await vscode.workspace.openTextDocument(vscode.Uri.parse(documentUri, true)));
    } catch (error) {
      this.log.warn(`Docs preview: could not restore ${documentUri}: ${errorMessage(error)}`);
      panel.dispose();
    }
  }

  private attach(panel: vscode.WebviewPanel): DocsPreview {
    const preview = new DocsPreview(panel, this.extensionUri, this.renderer, this.links, this.log);
    this.preview = preview;
    const subscription = panel.onDidDispose(() => {
      subscription.dispose();
      if (this.preview === preview) this.preview = undefined;
      preview.dispose();
    });
    return preview;
  }

  dispose(): void {
    this.preview?.dispose();
    this.preview = undefined;
    this.subscriptions.forEach((d) => d.dispose());
  }
}
