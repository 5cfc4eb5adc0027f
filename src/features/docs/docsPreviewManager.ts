// The one docs preview panel of the window: created beside the editor on first use, then reused; it follows the
// active editor when that shows a doc, and takes over the panel VS Code restores after a reload.
//
// The document it shows is also kept in the workspace state as it changes: VS Code saves a restored panel's own
// state only now and then (on its periodic save and at shutdown), so a reload soon after a link to another doc
// would otherwise bring the document before back. The workspace state is written at once.
import * as vscode from 'vscode';
import { WebviewTypes } from '../../constants';
import { errorMessage } from '../../core/common/errors';
import type { Logger } from '../../core/common/logger';
import type { DocumentRenderer } from '../../core/docs/renderDocument';
import type { DocLinkOpener } from './docLinkOpener';
import { DocsPreview, isDocDocument, type DocsPreviewState } from './docsPreview';

/** Workspace-state key: the document the window's preview shows, while it is open. */
export const SHOWN_DOCUMENT_KEY = 'berth.docsPreview.document';

export class DocsPreviewManager implements vscode.Disposable {
  private preview: DocsPreview | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly renderer: DocumentRenderer,
    private readonly links: DocLinkOpener,
    private readonly log: Logger,
    private readonly workspaceState?: vscode.Memento,
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

  /** Takes over a panel VS Code restored after a reload: the document last shown, else the panel's own state's. */
  async restore(panel: vscode.WebviewPanel, stateUri: string | undefined): Promise<void> {
    const recorded = this.workspaceState?.get<unknown>(SHOWN_DOCUMENT_KEY);
    const documentUri = typeof recorded === 'string' ? recorded : stateUri;
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
    const record = (uri: vscode.Uri | undefined) => void this.workspaceState?.update(SHOWN_DOCUMENT_KEY, uri?.toString());
    const preview = new DocsPreview(panel, this.extensionUri, this.renderer, this.links, this.log, record);
    this.preview = preview;
    const subscription = panel.onDidDispose(() => {
      subscription.dispose();
      if (this.preview === preview) {
        this.preview = undefined;
        // Closed by the user; dispose() below clears this.preview first, so the extension stopping keeps the record.
        record(undefined);
      }
      preview.dispose();
    });
    return preview;
  }

  dispose(): void {
    // The extension stopping (the window closing or reloading) is not the user closing the preview: keep the record.
    const preview = this.preview;
    this.preview = undefined;
    preview?.dispose();
    this.subscriptions.forEach((d) => d.dispose());
  }
}
