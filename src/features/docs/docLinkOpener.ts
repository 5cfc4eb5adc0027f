// Opens what a link clicked in a docs preview points at: another doc in the preview, a source file in the
// editor (at #L12), a web page through VS Code's prompt. Everything else is refused, and a refused link opens
// nothing (the webview script keeps the click from VS Code's own link handling too).
import * as vscode from 'vscode';
import { errorMessage } from '../../core/common/errors';
import type { Logger } from '../../core/common/logger';
import { isInside, resolveDocLink } from '../../core/docs/docLinks';
import type { ToPreviewMessage } from '../../core/docs/previewMessages';

/** What the link opener needs of the preview the link was clicked in. */
export interface LinkingPreview {
  readonly documentUri: vscode.Uri | undefined;
  contentRoot(uri: vscode.Uri): vscode.Uri;
  otherColumn(): vscode.ViewColumn;
  showDocument(document: vscode.TextDocument, fragment?: string): void;
  post(message: ToPreviewMessage): void;
}

export class DocLinkOpener {
  constructor(private readonly log: Logger) {}

  async open(href: string, preview: LinkingPreview): Promise<void> {
    const from = preview.documentUri;
    if (!from) return;
    const target = resolveDocLink(href, from.path);
    try {
      switch (target.kind) {
        case 'anchor':
          preview.post({ type: 'scrollToFragment', fragment: target.fragment });
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
          if (!isInside(target.path, preview.contentRoot(from).path)) {
            void vscode.window.showWarningMessage(`Berth: ${href} points outside the workspace folder; the preview opens only files inside it.`);
            return;
          }
          await vscode.workspace.fs.stat(uri).then(undefined, () => {
            throw new Error(`${href} does not exist (resolved to ${uri.fsPath}).`);
          });
          if (target.kind === 'doc') {
            preview.showDocument(await vscode.workspace.openTextDocument(uri), target.fragment);
            return;
          }
          const editor = await vscode.window.showTextDocument(uri, { viewColumn: preview.otherColumn() });
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
}
