// What Knit and Export share on the VS Code side: which document, the checks before a container runs, the
// diagnostics of a failed document, and showing what was built.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Languages } from '../../constants';
import { BerthError } from '../../core/common/errors';
import type { DocProblem } from '../../core/docs/docsFailure';
import type { JobRunner } from '../../core/docs/docsJob';
import type { KernelOwner } from '../../core/kernels/api';
import type { Config } from '../config';
import type { DocsOutputPanel } from './docsOutputPanel';

export interface DocsBuildDeps {
  readonly runner: JobRunner;
  readonly config: Config;
  readonly log: vscode.LogOutputChannel;
  readonly diagnostics: vscode.DiagnosticCollection;
  readonly output: DocsOutputPanel;
  readonly owner: KernelOwner;
}

/** The document a command is for: the explorer's or editor title's URI, else the active editor's of those languages. */
export function targetDocument(arg: unknown, languages: readonly string[]): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  const editor = vscode.window.activeTextEditor;
  return editor && languages.includes(editor.document.languageId) ? editor.document.uri : undefined;
}

export const RMARKDOWN = [Languages.rmarkdown];
export const MARKDOWN_OR_RMARKDOWN = [Languages.markdown, Languages.rmarkdown];

/** Refuses what Berth must not run, saves what the user sees, and says where the document lives. */
export async function prepareDocument(uri: vscode.Uri, verb: string): Promise<{ documentPath: string; workspaceFolder?: string; user?: string }> {
  if (!vscode.workspace.isTrusted) {
    throw new BerthError(`Berth does not ${verb} documents in an untrusted workspace (it runs a container on the workspace's files): trust this workspace (Manage Workspace Trust), then ${verb} again.`);
  }
  if (uri.scheme !== 'file') {
    throw new BerthError(`${uri.toString(true)} is not a file on this machine's disk: save it into the workspace, then ${verb} it.`);
  }
  // The container reads the file from disk: build what the user sees.
  await vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString() && d.isDirty)?.save();
  const user = process.getuid && process.getgid ? `${process.getuid()}:${process.getgid()}` : undefined;
  return { documentPath: uri.fsPath, workspaceFolder: vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath, user };
}

/** The problems that belong to lines, in the Problems panel; a good build clears them. */
export function showProblems(diagnostics: vscode.DiagnosticCollection, uri: vscode.Uri, problems: readonly DocProblem[], source: string): void {
  const onLines = problems.filter((p) => p.line !== undefined);
  diagnostics.set(
    uri,
    onLines.map((p) => {
      const line = p.line ?? 0;
      const d = new vscode.Diagnostic(new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER), p.message, p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
      d.source = source;
      return d;
    }),
  );
}

const OPEN_EXTERNALLY = 'Open Externally';
const REVEAL = 'Reveal in Explorer';

/** HTML opens beside the editor (none of its own scripts runs); other files are revealed in the Explorer. Open Externally is offered for either. */
export async function presentOutputs(deps: DocsBuildDeps, outputs: readonly string[], verb: string): Promise<void> {
  const uris = outputs.map((o) => vscode.Uri.file(o));
  const html = uris.find((u) => /\.html?$/i.test(u.fsPath));
  const other = uris.find((u) => u !== html);
  if (html) await deps.output.show(html);
  if (other) await vscode.commands.executeCommand('revealInExplorer', other);
  const names = uris.map((u) => path.basename(u.fsPath)).join(', ');
  const target = other ?? html;
  void vscode.window.showInformationMessage(`${verb} ${names}.`, OPEN_EXTERNALLY, ...(other ? [] : [REVEAL])).then(async (action) => {
    if (action === OPEN_EXTERNALLY && target) await vscode.env.openExternal(target);
    if (action === REVEAL && target) await vscode.commands.executeCommand('revealInExplorer', target);
  });
}
