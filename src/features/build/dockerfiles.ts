import * as path from 'path';
import * as vscode from 'vscode';
import { BerthError } from '../../core/common/errors';

/** Names the build command offers itself for; keep in sync with the `resourceFilename` regex in package.json. */
const DOCKERFILE_NAME = /^(?:Dockerfile|Containerfile)(?:\..+)?$|\.(?:dockerfile|containerfile)$/i;
const DOCKERFILE_GLOB = '**/{Dockerfile,Containerfile,Dockerfile.*,Containerfile.*,*.dockerfile,*.Dockerfile,*.containerfile}';

export function looksLikeDockerfile(uri: vscode.Uri, languageId?: string): boolean {
  return languageId === 'dockerfile' || DOCKERFILE_NAME.test(path.posix.basename(uri.path));
}

/**
 * The Dockerfile to build: the one the command was invoked on (explorer, editor, editor title), else the
 * active editor's when it is one, else the user's pick among the workspace's Dockerfiles. Undefined: dismissed.
 */
export async function chooseDockerfile(arg: vscode.Uri | undefined): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri) {
    return arg;
  }
  const found = await vscode.workspace.findFiles(DOCKERFILE_GLOB, '**/node_modules/**', 500);
  const active = vscode.window.activeTextEditor?.document;
  const activeIsDockerfile = active && active.uri.scheme === 'file' && looksLikeDockerfile(active.uri, active.languageId);
  if (found.length === 0 && !activeIsDockerfile) {
    throw new BerthError('No Dockerfile in this workspace: create a Dockerfile (or Containerfile), then run Build Image again.');
  }
  const candidates = activeIsDockerfile ? [active.uri, ...found.filter((u) => u.toString() !== active.uri.toString())] : found;
  if (candidates.length === 1) {
    return candidates[0];
  }
  const items = candidates.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), description: activeIsDockerfile && uri === active.uri ? 'active editor' : undefined, uri }));
  const picked = await vscode.window.showQuickPick(items, { title: 'Build Image', placeHolder: 'Choose the Dockerfile to build' });
  return picked?.uri;
}
