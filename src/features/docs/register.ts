import * as vscode from 'vscode';
import { Commands, DiagnosticCollections, Views, WebviewTypes } from '../../constants';
import type { JobRunner } from '../../core/docs/docsJob';
import { DocsIndex } from '../../core/docs/docsIndex';
import type { DocsTreeNode } from '../../core/docs/docsTree';
import { DocumentRenderer } from '../../core/docs/renderDocument';
import { registerCommand } from '../commandBoundary';
import type { Config } from '../config';
import { windowOwner } from '../kernels/ownership';
import { DocLinkOpener } from './docLinkOpener';
import { DocsOutputPanel } from './docsOutputPanel';
import { isDocDocument } from './docsPreview';
import { DocsPreviewManager } from './docsPreviewManager';
import { DocsTreeProvider, docUri } from './docsTreeProvider';
import { DocsWorkspaceScanner } from './docsWorkspaceScanner';
import { ExportDocumentCommand, type ExportOptions } from './exportCommand';
import { KnitDocumentCommand } from './knitCommand';

export interface DocsDeps {
  readonly extensionUri: vscode.Uri;
  readonly log: vscode.LogOutputChannel;
  readonly config: Config;
  readonly runner: JobRunner;
  readonly workspaceState: vscode.Memento;
}

/** Docs beside the code: the live preview panel, the Docs view, Knit and Export, and the commands that connect them. */
export function register({ extensionUri, log, config, runner, workspaceState }: DocsDeps): vscode.Disposable {
  const links = new DocLinkOpener(log);
  const preview = new DocsPreviewManager(extensionUri, new DocumentRenderer(), links, log, workspaceState);
  const index = new DocsIndex();
  const scanner = new DocsWorkspaceScanner(index, log);
  const provider = new DocsTreeProvider(index);
  const view = vscode.window.createTreeView(Views.docs, { treeDataProvider: provider, showCollapseAll: true });
  const diagnostics = vscode.languages.createDiagnosticCollection(DiagnosticCollections.docs);
  const output = new DocsOutputPanel(extensionUri, links, log);
  const buildDeps = { runner, config, log, diagnostics, output, owner: windowOwner(workspaceState) };
  const knit = new KnitDocumentCommand(buildDeps);
  const exportDocument = new ExportDocumentCommand(buildDeps);
  void scanner.rescan();

  const openPreview = async (target?: vscode.Uri | DocsTreeNode) => {
    const uri = target instanceof vscode.Uri ? target : target && 'kind' in target ? docUri(target) : activeDocUri();
    if (!uri) {
      void vscode.window.showInformationMessage('Berth: open a Markdown or R Markdown file to preview it.');
      return;
    }
    await preview.open(uri);
  };

  return vscode.Disposable.from(
    preview,
    scanner,
    provider,
    view,
    index,
    diagnostics,
    output,
    registerCommand(Commands.openDocsPreview, 'Opening the docs preview', log, openPreview),
    registerCommand(Commands.refreshDocs, 'Refreshing the Docs view', log, () => scanner.rescan()),
    registerCommand(knit.id, 'Knitting', log, (arg?: unknown) => knit.execute(arg)),
    registerCommand(exportDocument.id, 'Exporting', log, (arg?: unknown, options?: ExportOptions | vscode.Uri[]) => exportDocument.execute(arg, options)),
    registerCommand(Commands.openOutputExternally, 'Opening the output', log, () => output.file && vscode.env.openExternal(output.file)),
    registerCommand(Commands.docsPreviewState, 'Reading the preview state', log, () => preview.state),
    registerCommand(Commands.docsTree, 'Listing the Docs view', log, () => index.tree()),
    vscode.window.registerWebviewPanelSerializer(WebviewTypes.docsPreview, {
      deserializeWebviewPanel: (panel, state: unknown) =>
        preview.restore(panel, typeof state === 'object' && state !== null && 'documentUri' in state && typeof state.documentUri === 'string' ? state.documentUri : undefined),
    }),
  );
}

function activeDocUri(): vscode.Uri | undefined {
  const editor = vscode.window.activeTextEditor;
  return editor && isDocDocument(editor.document) ? editor.document.uri : undefined;
}
